/**
 * Public surface of the PyTorch layouts: the zip checkpoint as torch.load reads it (torch-zip.ts),
 * the legacy stream and tar formats (legacy.ts), and their rules.
 */
export { torchLayout, checkTorchZip } from './torch-zip.js';
export type { TorchZipLayout } from './torch-zip.js';
export { scanLegacyStream, scanLegacyStorages, scanLegacyTensors } from './legacy.js';
export { PYTORCH_RULES, legacyTarFormat } from './rules.js';
export { checkTorchScriptCode, packageModuleOf, scanPackageSources } from './code.js';
export type { PackageSource } from './code.js';
