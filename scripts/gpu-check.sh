#!/usr/bin/env bash
# GPU checks of the runtime agent against a real GPU (issue 13). Run on a machine with an NVIDIA GPU
# and its driver, after `npm ci && npm run build`:
#
#   bash scripts/gpu-check.sh [OUT_DIR]
#
# What it does, and what it proves:
#   1. records `nvidia-smi --query-compute-apps` in the three shapes Bulwark reads (CSV with header,
#      noheader/nounits, and `-q -x` kept for reference) while a small CUDA process holds GPU memory
#      (python3 + ctypes on libcuda: cuInit, cuCtxCreate, cuMemAlloc; nothing else is run on the GPU);
#   2. runs the /proc sensor once and checks it sees that process holding /dev/nvidia<N> open;
#   3. parses the recorded list with the same code as `bulwark runtime watch --gpu-processes`, joins it
#      with the sensor's view by pid, and judges it as if the process ran in a pod that requested no GPU
#      (test-fixtures/runtime/pods/kubelet-pods.json, pod apps/web-0): runtime/gpu-without-request must
#      fire, and must stay silent for the training pod that requested one.
# Outputs (recordings and a JSON summary) go to OUT_DIR (default: $OUT or ./gpu-check-out). Without a
# GPU or nvidia-smi it prints why and exits 0: its absence never fails CI (CI does not run it).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT_DIR="${1:-${OUT:-gpu-check-out}}"
mkdir -p "$OUT_DIR"

if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "gpu-check: nvidia-smi not found; no GPU checks here (this is not a failure)"
  exit 0
fi
if [ ! -f dist/src/runtime/index.js ]; then
  echo "gpu-check: build first (npm ci && npm run build)" >&2
  exit 2
fi
nvidia-smi -L | tee "$OUT_DIR/nvidia-smi-L.txt"

# A minimal CUDA process: a context and 256 MiB of device memory, held for 20 s.
python3 - <<'PY' &
import ctypes, time
cuda = ctypes.CDLL("libcuda.so.1")
assert cuda.cuInit(0) == 0
dev = ctypes.c_int(); assert cuda.cuDeviceGet(ctypes.byref(dev), 0) == 0
ctx = ctypes.c_void_p(); assert cuda.cuCtxCreate_v2(ctypes.byref(ctx), 0, dev) == 0
ptr = ctypes.c_uint64(); assert cuda.cuMemAlloc_v2(ctypes.byref(ptr), 256 * 1024 * 1024) == 0
time.sleep(20)
PY
CUDA_PID=$!
trap 'kill $CUDA_PID 2>/dev/null || true' EXIT
sleep 5

nvidia-smi --query-compute-apps=gpu_uuid,pid,process_name,used_gpu_memory --format=csv > "$OUT_DIR/compute-apps.csv"
nvidia-smi --query-compute-apps=gpu_uuid,pid,process_name,used_gpu_memory --format=csv,noheader,nounits > "$OUT_DIR/compute-apps-noheader-nounits.csv"
nvidia-smi -q -x > "$OUT_DIR/nvidia-smi-q.xml" || true
cat "$OUT_DIR/compute-apps.csv"

CUDA_PID=$CUDA_PID OUT_DIR="$OUT_DIR" node --input-type=module - <<'JS'
import { readFileSync, writeFileSync } from 'node:fs';
import { DETECTION_DATA, ProcSensor, RuntimeAnalyzer, compileData, gpuEvents, parseGpuProcesses, podIndexFromJson } from './dist/src/runtime/index.js';
const pid = Number(process.env.CUDA_PID);
const out = process.env.OUT_DIR;
const data = compileData(DETECTION_DATA);
const sensor = new ProcSensor({ maxProcesses: 100000, gpuDevicePrefixes: DETECTION_DATA.gpuDevices });
sensor.poll();
// The CUDA process is python3 started by this script (via bash); find it or its child.
const seen = sensor.lookup(pid);
const devices = seen?.gpuDevices ?? [];
const csv = parseGpuProcesses(readFileSync(`${out}/compute-apps.csv`, 'utf8'));
const nh = parseGpuProcesses(readFileSync(`${out}/compute-apps-noheader-nounits.csv`, 'utf8'));
const listed = csv.ok ? csv.processes.find((p) => p.pid === pid) : undefined;
const pods = podIndexFromJson(JSON.parse(readFileSync('test-fixtures/runtime/pods/kubelet-pods.json', 'utf8')), { gpuResource: data.gpuResource, inferenceImages: DETECTION_DATA.inferenceImages, maxPods: 1000 });
const judge = (containerId) => {
  const found = [];
  const a = new RuntimeAnalyzer({ ctx: { data, pods, apiServers: [] }, onFinding: (f) => found.push(f), rateLimit: { windowMs: 0, maxKeys: 10 } });
  const evs = gpuEvents(listed ? [listed] : [], { path: 'nvidia-smi', time: new Date().toISOString(), lookup: (p) => (p === pid && seen ? { process: { ...seen, container: { id: containerId } }, chain: sensor.chainFor(p) } : undefined) });
  for (const e of evs) a.analyze(e);
  return found.map((f) => f.ruleId);
};
const web = judge('0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0');
const trainer = judge('a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90');
const summary = {
  cudaPid: pid,
  sensorSawProcess: seen !== undefined,
  sensorGpuDevices: devices,
  csvParsed: csv.ok, noheaderParsed: nh.ok,
  listedByNvidiaSmi: listed ?? null,
  podWithoutGpu: web, podWithGpu: trainer,
};
const pass = summary.sensorSawProcess && devices.some((d) => /^\/dev\/nvidia(\d+|-uvm)$/.test(d)) && csv.ok && nh.ok && listed !== undefined && web.includes('runtime/gpu-without-request') && !trainer.includes('runtime/gpu-without-request');
summary.pass = pass;
writeFileSync(`${out}/gpu-check.json`, JSON.stringify(summary, null, 2) + '\n');
console.log(JSON.stringify(summary, null, 2));
process.exit(pass ? 0 : 1);
JS
