/**
 * Test images and cosign signatures made in code (node:crypto), pushed through Bulwark's client: a
 * small image, and cosign's legacy `.sig`-tag signature of it. Shared by the image-signing and the
 * admission supply-chain tests.
 */
import { sign as cryptoSign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { COSIGN } from '../../src/image-signing/index.js';
import type { RegistryClient } from '../../src/oci/index.js';
import { MEDIA_TYPES, sha256Digest } from '../../src/oci/index.js';

export interface Image {
  readonly digest: string;
  readonly descriptor: { mediaType: string; digest: string; size: number };
}

export async function pushJson(client: RegistryClient, name: string, doc: unknown): Promise<{ mediaType: string; digest: string; size: number }> {
  const bytes = Buffer.from(JSON.stringify(doc));
  const d = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(bytes), size: bytes.length };
  await client.pushBlob(name, d, () => bytes);
  return d;
}

export async function pushImage(client: RegistryClient, name: string, tag: string, content: string): Promise<Image> {
  const config = await pushJson(client, name, { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, content });
  const layer = Buffer.from(content);
  const ld = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256Digest(layer), size: layer.length };
  await client.pushBlob(name, ld, () => layer);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config, layers: [ld] }));
  const { digest } = await client.pushManifest(name, tag, MEDIA_TYPES.ociManifest, manifest);
  return { digest, descriptor: { mediaType: MEDIA_TYPES.ociManifest, digest, size: manifest.length } };
}

export function simpleSigning(name: string, digest: string): Buffer {
  return Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': name }, image: { 'docker-manifest-digest': digest }, type: COSIGN.type }, optional: null }));
}

export async function cosignLayer(client: RegistryClient, name: string, payload: Buffer, signature: Buffer) {
  const d = { mediaType: COSIGN.simpleSigning, digest: sha256Digest(payload), size: payload.length, annotations: { [COSIGN.signature]: signature.toString('base64') } };
  await client.pushBlob(name, d, () => payload);
  return d;
}

/** cosign's legacy form: an image manifest under the tag `sha256-<hex>.sig`. */
export async function cosignSigTag(client: RegistryClient, name: string, image: Image, payload: Buffer, key: KeyObject): Promise<void> {
  const layer = await cosignLayer(client, name, payload, cryptoSign('sha256', payload, key));
  const config = await pushJson(client, name, { architecture: '', os: '', rootfs: { type: 'layers', diff_ids: [layer.digest] } });
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config, layers: [layer] }));
  await client.pushManifest(name, `sha256-${image.digest.slice(7)}.sig`, MEDIA_TYPES.ociManifest, manifest);
}

