/**
 * Extended resources served by accelerator device plugins: NVIDIA (whole GPUs, MIG slices, shared
 * time-sliced GPUs), AMD, Intel (gpu.intel.com/i915, xe …), Habana Gaudi, AWS Neuron/Trainium/
 * Inferentia, Google TPU (current and legacy resource names), Xilinx/AMD FPGAs, Qualcomm Cloud AI.
 * One list for every rule that asks "does this container use an accelerator?" (GPU rules, network
 * isolation of AI workloads).
 */
export const DEVICE_RESOURCE =
  /^(?:nvidia\.com\/(?:gpu|gpu\.shared|mig-[\w.-]+)|amd\.com\/gpu|gpu\.intel\.com\/[\w.-]+|habana\.ai\/gaudi\w*|aws\.amazon\.com\/neuron(?:core|device)?|google\.com\/tpu|cloud-tpus\.google\.com\/[\w.-]+|(?:xilinx|amd)\.com\/fpga[\w.-]*|qualcomm\.com\/qaic)$/;
