/** Container image references: tag and digest, and the images of a pod that no digest pins. */
import type { ContainerRef, PodTemplate } from './workloads.js';
import { asString, containersOf } from './workloads.js';

export interface ImageRef {
  readonly digest?: string;
  readonly tag?: string;
}

/** Split `registry:5000/ns/name:tag@sha256:…` into tag and digest (the port is not a tag). */
export function parseImageRef(image: string): ImageRef {
  let rest = image.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  const tag = colon > slash ? rest.slice(colon + 1) : undefined;
  return { ...(digest !== undefined && digest !== '' && { digest }), ...(tag !== undefined && tag !== '' && { tag }) };
}

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;

export interface UnpinnedImage {
  readonly container: ContainerRef;
  readonly image: string;
  readonly ref: ImageRef;
}

/** Containers of the pod whose image has no valid digest (empty images are skipped). */
export function unpinnedImages(t: PodTemplate): UnpinnedImage[] {
  const out: UnpinnedImage[] = [];
  for (const c of containersOf(t)) {
    const image = asString(c.container['image']);
    if (image === undefined || image.trim() === '') continue;
    const ref = parseImageRef(image);
    if (ref.digest !== undefined && DIGEST.test(ref.digest)) continue;
    out.push({ container: c, image, ref });
  }
  return out;
}
