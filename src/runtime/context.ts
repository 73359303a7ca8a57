/** What the runtime rules judge: one event, enriched, with the detection data and the pod list. */
import type { CompiledData } from './match.js';
import type { RuntimeEvent } from './model.js';
import type { PodContainer, PodIndex, PodInfo } from './pods.js';

export interface RuntimeContext {
  readonly data: CompiledData;
  readonly pods: PodIndex;
  /**
   * Kubernetes API server addresses (IP or host name, optionally `:port`): the `kubernetes` Service's
   * ClusterIP, the endpoints behind it, the agent's `KUBERNETES_SERVICE_HOST`.
   */
  readonly apiServers: readonly string[];
}

export interface RuntimeSubject {
  readonly event: RuntimeEvent;
  readonly ctx: RuntimeContext;
  /** The pod of the event's container, when the pod list knows it. */
  readonly pod?: PodInfo;
  /** The container's spec in that pod. */
  readonly spec?: PodContainer;
}
