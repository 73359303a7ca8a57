import { describe, expect, it } from 'vitest';
import { DEVICE_RESOURCE } from './accelerators.js';

describe('DEVICE_RESOURCE (shared by the GPU rules and the AI network-isolation rules)', () => {
  it('knows every accelerator device-plugin resource either list knew', () => {
    for (const r of ['nvidia.com/gpu', 'nvidia.com/gpu.shared', 'nvidia.com/mig-1g.5gb', 'amd.com/gpu', 'gpu.intel.com/i915', 'habana.ai/gaudi', 'aws.amazon.com/neuroncore', 'google.com/tpu', 'cloud-tpus.google.com/v3', 'xilinx.com/fpga-u250', 'qualcomm.com/qaic']) {
      expect(DEVICE_RESOURCE.test(r), r).toBe(true);
    }
  });
  it('is not fooled by ordinary resources or look-alikes', () => {
    for (const r of ['cpu', 'memory', 'ephemeral-storage', 'hugepages-2Mi', 'nvidia.com/gpux', 'example.com/gpu', 'nvidia.com/gpu/extra']) {
      expect(DEVICE_RESOURCE.test(r), r).toBe(false);
    }
  });
});
