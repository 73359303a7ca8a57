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

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
/** The reference grammar of the distribution spec (docker/distribution `reference`): `[domain[:port]/]path[:tag][@digest]`. */
const REFERENCE = new RegExp(`^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?/)?${COMPONENT}(?:/${COMPONENT})*(?::[\\w][\\w.-]{0,127})?(?:@[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+)?$`);

/**
 * Whether `image` is an image reference at all. Unrendered placeholders are not: `FILLED BY THE
 * OPERATOR` (the GPU operator's assets), `{{ .Values.image }}`, `$(IMAGE)`, `${IMAGE}`, `<image>`,
 * `IMAGE_PLACEHOLDER` (upper case is not allowed in a repository path), placeholder tags that
 * kustomize's image transformer replaces (`kserve-container:replace`). They are not reported as
 * unpinned or `latest` images: whatever fills them in decides the image.
 */
export function isImageReference(image: string): boolean {
  const i = image.trim();
  if (i.length > 4096 || !REFERENCE.test(i)) return false;
  const tag = parseImageRef(i).tag;
  // `kserve-container:replace` and the like: kustomize's image transformer fills the tag in.
  return tag === undefined || !PLACEHOLDER_TAG.test(tag);
}

const PLACEHOLDER_TAG = /^(?:replace|replaceme|replace-me|placeholder|changeme|change-me|tbd|todo|x{3,}|tag|version|image-tag)$/i;

export interface UnpinnedImage {
  readonly container: ContainerRef;
  readonly image: string;
  readonly ref: ImageRef;
}

/** Containers of the pod whose image has no valid digest (empty images and placeholders are skipped). */
export function unpinnedImages(t: PodTemplate): UnpinnedImage[] {
  const out: UnpinnedImage[] = [];
  for (const c of containersOf(t)) {
    const image = asString(c.container['image']);
    if (image === undefined || image.trim() === '' || !isImageReference(image)) continue;
    const ref = parseImageRef(image);
    if (ref.digest !== undefined && DIGEST.test(ref.digest)) continue;
    out.push({ container: c, image, ref });
  }
  return out;
}
