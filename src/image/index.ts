/**
 * Container images, scanned layer by layer: OCI image layouts, docker-archive tarballs (`docker save`)
 * and images in registries (`oci://REF`). See docs/images.md.
 */
export { IMAGE_RULES, IMAGE_RULESET } from './rules.js';
export { scanImage, imagePath, decompressLayer } from './scan.js';
export type { ImageScanOptions, ImageScanResult } from './scan.js';
export { openOciLayout, openImageTar, registryImage, indexTarFile, IMAGE_CONFIG_MEDIA_TYPES } from './sources.js';
export type { ImageInput, ImageLayer, TarMemberRef } from './sources.js';
export { isOciLayoutDir, imageTarMembers } from './detect.js';
export { parseImageConfig } from './checks.js';
export type { ImageConfig } from './checks.js';
export { TarStream } from './tar-stream.js';
export type { TarEntry, TarDataSink } from './tar-stream.js';
export { IMAGE_DATA_VERSION } from './data.js';
