/**
 * Runtime — threat detection on running nodes (issue 13): the event model, the built-in /proc sensor,
 * Falco and Tetragon inputs, GPU process lists, pod enrichment, the `runtime/*` RuleSet with its
 * detections as data, rate limiting, optional response actions, and the agent pipeline. Pure logic and
 * file/proc reading only; the CLI wires transport (the shared server), sinks and metrics.
 */
export type { ChainLink, ConnectEvent, ContainerRef, Endpoint, ExecEvent, FileOpenEvent, GpuUseEvent, ProcessView, RuntimeEvent, RuntimeEventKind, RuntimeSource, SocketView, StdioBinding, UpdateEvent } from './model.js';
export { DETECTION_DATA, DETECTION_DATA_VERSION, mergeDetectionData, parseDetectionOverlay } from './detection-data.js';
export type { DetectionData, DetectionDataOverlay } from './detection-data.js';
export { compileData } from './match.js';
export type { CompiledData } from './match.js';
export { identityFromCgroupFile, identityFromCgroupPath, splitContainerId } from './cgroup.js';
export type { CgroupIdentity } from './cgroup.js';
export { NO_PODS, podIndexFromJson } from './pods.js';
export type { PodIndex, PodInfo } from './pods.js';
export { parseFalcoAlert } from './falco.js';
export type { ParseResult } from './falco.js';
export { parseTetragonEvent } from './tetragon.js';
export { DEFAULT_GPU_COLUMNS, gpuEvents, parseComputeAppsCsv, parseGpuProcesses, parseNvmlJson } from './gpu.js';
export type { GpuProcess } from './gpu.js';
export { runtimeEventFromJson } from './event-json.js';
export { MAX_CMDLINE_BYTES, MAX_FDS_PER_PROCESS, MAX_HASH_BYTES, ProcSensor } from './proc-sensor.js';
export type { ProcSensorOptions, ProcSensorStats } from './proc-sensor.js';
export type { RuntimeContext, RuntimeSubject } from './context.js';
export { RUNTIME_RULES, RUNTIME_RULESET, locationOf } from './rules.js';
export { RuntimeAnalyzer, enrich } from './analyze.js';
export type { AnalyzerOptions } from './analyze.js';
export { RateLimiter } from './rate-limit.js';
export { QUARANTINE_LABEL, actionsFor, inClusterAccess, killProcess, labelPod } from './response.js';
export type { ActionResult, ApiServerAccess, ResponsePolicy } from './response.js';
export { MAX_POD_LIST_BYTES, RuntimeAgent } from './agent.js';
export type { AgentOptions, FileInput, JsonInputKind } from './agent.js';
