/**
 * Extended resources served by accelerator device plugins: NVIDIA (whole GPUs, MIG slices, shared
 * time-sliced GPUs), AMD, Intel (gpu.intel.com/i915, xe …), Habana Gaudi, AWS Neuron/Trainium/
 * Inferentia, Google TPU (current and legacy resource names), Xilinx/AMD FPGAs, Qualcomm Cloud AI.
 * One list for every rule that asks "does this container use an accelerator?" (GPU rules, network
 * isolation of AI workloads).
 */
import type { JsonObject } from './model.js';
import type { PodTemplate } from './workloads.js';
import { asArray, asObject, asString, containersOf } from './workloads.js';

export const DEVICE_RESOURCE =
  /^(?:nvidia\.com\/(?:gpu|gpu\.shared|mig-[\w.-]+)|amd\.com\/gpu|gpu\.intel\.com\/[\w.-]+|habana\.ai\/gaudi\w*|aws\.amazon\.com\/neuron(?:core|device)?|google\.com\/tpu|cloud-tpus\.google\.com\/[\w.-]+|(?:xilinx|amd)\.com\/fpga[\w.-]*|qualcomm\.com\/qaic)$/;

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
