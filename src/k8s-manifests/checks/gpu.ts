/**
 * GPU and accelerator rules: device-plugin resources without limits, GPU access that bypasses the
 * device plugin (privileged, hostPath /dev/nvidia*), NVIDIA_VISIBLE_DEVICES on containers that were
 * not allocated GPUs, and workloads that load untrusted models outside a sandboxed runtime.
 */
import { defineRule } from '../../rules/index.js';
import type { Json, JsonObject, ManifestObject } from '../model.js';
import { locationOf } from '../model.js';
import type { ContainerRef, PodTemplate } from '../workloads.js';
import { asArray, asObject, asString, containersOf, volumesOf } from '../workloads.js';
import type { CheckContext } from './context.js';
import { annotationOf, truthy } from './context.js';
import { normalizeHostPath } from './host.js';
import { DEVICE_RESOURCE } from '../accelerators.js';

/** Host device nodes of accelerators (NVIDIA, DRM render nodes, AMD KFD, Neuron, Habana, Ascend, accel). */
const GPU_DEVICE_PATH = /^\/dev(?:$|\/(?:nvidia|dri|kfd|accel|neuron|hl|davinci|vfio))/;

function resourceNames(c: JsonObject, field: 'limits' | 'requests'): string[] {
  const r = asObject(asObject(c['resources'])?.[field]);
  return r ? Object.keys(r).filter((k) => DEVICE_RESOURCE.test(k)) : [];
}

/** Device-plugin resources a container asks for (in limits or requests). */
export function deviceResourcesOf(c: JsonObject): string[] {
  return [...new Set([...resourceNames(c, 'limits'), ...resourceNames(c, 'requests')])];
}

export function isGpuContainer(c: JsonObject): boolean {
  return deviceResourcesOf(c).length > 0;
}

const GPU_IMAGE = /(?:^|\/)(?:nvidia\/cuda|cuda|tritonserver|pytorch|tensorflow|vllm|text-generation-inference|tensorrt|rocm)(?:[:/@-]|$)|nvcr\.io\//i;

/** A pod that uses or wants accelerators: device resources, NVIDIA env, or a CUDA/ROCm framework image. */
export function looksLikeGpuPod(tpl: PodTemplate): boolean {
  for (const c of containersOf(tpl)) {
    if (isGpuContainer(c.container)) return true;
    const img = asString(c.container['image']) ?? '';
    if (GPU_IMAGE.test(img)) return true;
    for (const e of asArray(c.container['env'])) {
      const name = asString(asObject(e)?.['name']) ?? '';
      if (name.startsWith('NVIDIA_') || name === 'CUDA_VISIBLE_DEVICES') return true;
    }
  }
  return false;
}

export const gpuRequestWithoutLimit = defineRule({
  id: 'k8s/gpu-request-without-limit',
  title: 'GPU requested without an equal limit',
  severity: 'high',
  description:
    'Device-plugin resources (nvidia.com/gpu, MIG slices, amd.com/gpu, gpu.intel.com/*, habana.ai/gaudi, aws.amazon.com/neuron, google.com/tpu …) cannot be overcommitted: Kubernetes allocates them by `limits`, and requires a request to equal the limit. A request without a limit is rejected by the API server, so the training or inference workload never starts (a controller keeps retrying); a request different from the limit is rejected as well. Tools that read only requests (quota dashboards, cost tools) then disagree with what the scheduler does.',
  remediation: 'Put the accelerator in `resources.limits` (for example `nvidia.com/gpu: 1`); the request is defaulted to the limit. If you keep a request, make it equal to the limit.',
  references: ['https://kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus/', 'https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#extended-resources'],
  tags: ['k8s', 'gpu', 'resources'],
  maturity: 'stable',
});

export const gpuDeviceHostAccess = defineRule({
  id: 'k8s/gpu-device-host-access',
  title: 'GPU access that bypasses the device plugin',
  severity: 'critical',
  description:
    'A GPU workload that reaches accelerators through a privileged container or a hostPath mount of /dev (nvidia*, dri, kfd, neuron, accel …) sees every GPU on the node, not the ones the scheduler allocated: it can read other tenants\u2019 GPU memory (model weights, prompts, training data), disturb their jobs, and with privileged or /dev access it can load kernel modules and take over the node. The device plugin exists to prevent exactly this.',
  remediation:
    'Remove `privileged: true` and the /dev hostPath volumes; request accelerators with `resources.limits` (e.g. `nvidia.com/gpu: 1`) so the device plugin injects only the allocated devices. Only the device plugin and GPU operator DaemonSets themselves need host device access (suppress there with a reason).',
  references: ['https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/docker-specialized.html', 'https://kubernetes.io/docs/concepts/extend-kubernetes/compute-storage-net/device-plugins/'],
  tags: ['k8s', 'gpu', 'isolation'],
  maturity: 'stable',
});

export const nvidiaVisibleDevices = defineRule({
  id: 'k8s/nvidia-visible-devices',
  title: 'NVIDIA_VISIBLE_DEVICES exposes GPUs the pod was not allocated',
  severity: 'high',
  description:
    'With the NVIDIA container toolkit as the runtime, `NVIDIA_VISIBLE_DEVICES=all` (or a device list) in a container\u2019s environment makes the toolkit mount those GPUs into it, whatever the scheduler allocated. A pod that requested no GPU then shares GPUs with the jobs that did: it can read their GPU memory (weights, prompts, activations) and starve or crash them. NVIDIA recommends refusing this variable from unprivileged containers (`accept-nvidia-visible-devices-envvar-when-unprivileged = false`), but many clusters still honour it.',
  remediation:
    'Remove NVIDIA_VISIBLE_DEVICES from the manifest and request GPUs with `resources.limits: {nvidia.com/gpu: N}`; the device plugin sets the variable to the allocated devices. On nodes, configure the toolkit to ignore the variable for unprivileged containers (device list strategy `volume-mounts` or CDI).',
  references: ['https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/docker-specialized.html', 'https://github.com/NVIDIA/k8s-device-plugin'],
  tags: ['k8s', 'gpu', 'isolation'],
  maturity: 'stable',
});

export const untrustedModelWithoutSandbox = defineRule({
  id: 'k8s/untrusted-model-without-sandbox',
  title: 'Untrusted models loaded outside a sandboxed runtime',
  severity: 'high',
  description:
    'The workload is annotated as loading untrusted models (`bulwark.dev/untrusted-models: "true"`: third-party checkpoints, user uploads, models pulled by name at run time), but its pod does not run in a sandboxed runtime. Loading a model is code execution for pickle-based formats and for `trust_remote_code`; on a GPU node the container shares the host kernel and the GPU driver (a large, privileged attack surface) with every other tenant. A sandbox runtime (gVisor, Kata Containers) puts a second boundary between that code and the node.',
  remediation:
    'Set `spec.runtimeClassName` to a sandboxed RuntimeClass: gVisor (`gvisor`, `runsc`; GPUs through nvproxy) or Kata Containers (`kata`, `kata-qemu-nvidia-gpu` …; GPUs through passthrough). Bulwark accepts RuntimeClass names starting with kata, gvisor or runsc, RuntimeClass objects whose handler is one of those, and names passed with `sandboxRuntimeClasses`. Also scan the models before loading them and prefer safetensors.',
  references: ['https://gvisor.dev/docs/user_guide/gpu/', 'https://katacontainers.io/', 'https://kubernetes.io/docs/concepts/containers/runtime-class/'],
  tags: ['k8s', 'gpu', 'models', 'sandbox'],
  maturity: 'incubating',
});

export const GPU_RULES = [gpuRequestWithoutLimit, gpuDeviceHostAccess, nvidiaVisibleDevices, untrustedModelWithoutSandbox] as const;

const SANDBOX_NAME = /^(?:kata|gvisor|runsc)(?:$|[-_.])/i;

function isSandboxed(obj: ManifestObject, tpl: PodTemplate, ctx: CheckContext): boolean {
  const rc = asString(tpl.spec['runtimeClassName']);
  if (rc === undefined || rc === '') return false;
  if (SANDBOX_NAME.test(rc) || ctx.options.sandboxRuntimeClasses.has(rc)) return true;
  const handler = asString(ctx.index.runtimeClass(rc)?.value['handler']);
  void obj;
  return handler !== undefined && SANDBOX_NAME.test(handler);
}

function containerLimits(c: JsonObject): JsonObject | undefined {
  return asObject(asObject(c['resources'])?.['limits']);
}

const sameQuantity = (a: Json | undefined, b: Json | undefined): boolean => a !== undefined && b !== undefined && String(a) === String(b);

export function checkGpu(obj: ManifestObject, tpl: PodTemplate, ctx: CheckContext): void {
  const containers = containersOf(tpl);
  const out = ctx.out;
  const gpuPod = looksLikeGpuPod(tpl);

  // 1. device resources requested without an equal limit
  for (const c of containers) {
    const req = asObject(asObject(c.container['resources'])?.['requests']);
    const lim = containerLimits(c.container);
    if (!req) continue;
    for (const name of Object.keys(req)) {
      if (!DEVICE_RESOURCE.test(name)) continue;
      if (lim && Object.prototype.hasOwnProperty.call(lim, name) && sameQuantity(lim[name], req[name])) continue;
      const hasLimit = lim !== undefined && Object.prototype.hasOwnProperty.call(lim, name);
      out.push(
        gpuRequestWithoutLimit.report({
          location: locationOf(obj, [...c.path, 'resources', 'requests', name]),
          message: hasLimit
            ? `${who(c)} requests ${String(req[name])} ${name} but limits it to ${String(lim[name])}; device resources must have equal requests and limits, so the API server rejects the pod`
            : `${who(c)} requests ${String(req[name])} ${name} without a limit; device resources are allocated by limits, so the API server rejects the pod`,
        }),
      );
    }
  }

  // 2. GPU access through privileged containers or /dev hostPath mounts
  for (const v of volumesOf(tpl)) {
    const p = asString(asObject(v.volume['hostPath'])?.['path']);
    if (p === undefined) continue;
    const n = normalizeHostPath(p);
    if (n === undefined || !GPU_DEVICE_PATH.test(n)) continue;
    out.push(
      gpuDeviceHostAccess.report({
        location: locationOf(obj, [...v.path, 'hostPath', 'path']),
        message: `volume ${JSON.stringify(v.name)} mounts the host's ${n} into the pod: every accelerator on the node becomes reachable, outside the device plugin's allocation`,
      }),
    );
  }
  if (gpuPod) {
    for (const c of containers) {
      if (asObject(c.container['securityContext'])?.['privileged'] !== true) continue;
      out.push(
        gpuDeviceHostAccess.report({
          location: locationOf(obj, [...c.path, 'securityContext', 'privileged']),
          message: `${who(c)} of a GPU workload is privileged: it sees every GPU and device of the node, not only its allocation, and can take over the node`,
        }),
      );
    }
  }

  // 3. NVIDIA_VISIBLE_DEVICES / AMD_VISIBLE_DEVICES set by hand
  for (const c of containers) {
    const allocated = deviceResourcesOf(c.container).some((r) => r.startsWith('nvidia.com/') || r.startsWith('amd.com/'));
    asArray(c.container['env']).forEach((e, i) => {
      const env = asObject(e);
      const name = asString(env?.['name']);
      if (name !== 'NVIDIA_VISIBLE_DEVICES' && name !== 'AMD_VISIBLE_DEVICES') return;
      const value = asString(env?.['value']);
      if (value === undefined) return;
      const v = value.trim().toLowerCase();
      if (v === '' || v === 'none' || v === 'void') return;
      if (allocated && v !== 'all') return;
      out.push(
        nvidiaVisibleDevices.report({
          location: locationOf(obj, [...c.path, 'env', i, 'value']),
          severity: allocated ? 'medium' : 'high',
          message: allocated
            ? `${who(c)} sets ${name}=all: depending on the container toolkit configuration it gets every GPU of the node, not only the ones allocated to it`
            : `${who(c)} sets ${name}=${value} without requesting a GPU: the container toolkit exposes ${v === 'all' ? 'every GPU of the node' : 'those GPUs'} to it, bypassing the scheduler and sharing GPUs with other tenants`,
        }),
      );
    });
  }

  // 4. untrusted models without a sandbox runtime
  if (truthy(annotationOf(obj, tpl, ctx.options.untrustedModelsAnnotation)) && !isSandboxed(obj, tpl, ctx)) {
    const rc = asString(tpl.spec['runtimeClassName']);
    out.push(
      untrustedModelWithoutSandbox.report({
        location: locationOf(obj, [...tpl.specPath, 'runtimeClassName']),
        message: `the workload is annotated ${ctx.options.untrustedModelsAnnotation}: "true" but runs ${rc ? `with runtimeClassName ${JSON.stringify(rc)}, which is not a sandbox` : 'without a sandboxed runtimeClassName'}${gpuPod ? '; on a GPU node, model-loading code shares the host kernel and GPU driver with every other tenant' : ''}`,
      }),
    );
  }
}

function who(c: ContainerRef): string {
  return `${c.list === 'initContainers' ? 'init container' : c.list === 'ephemeralContainers' ? 'ephemeral container' : 'container'} ${JSON.stringify(c.name)}`;
}

export { who as containerLabel };
