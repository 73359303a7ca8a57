/**
 * Image references: `latest` (explicit or implied) and tags not pinned by digest.
 */
import { defineRule } from '../../rules/index.js';
import type { ManifestObject } from '../model.js';
import { locationOf } from '../model.js';
import type { PodTemplate } from '../workloads.js';
import { asString, containersOf } from '../workloads.js';
import type { CheckContext } from './context.js';
import { containerLabel } from './gpu.js';

export const imageLatest = defineRule({
  id: 'k8s/image-latest',
  title: 'Image uses the latest tag',
  severity: 'medium',
  description:
    'The image has no tag or the `latest` tag and no digest, so every node pulls whatever the registry serves at that moment: a different CUDA, framework or inference-server version per node, silent upgrades on rescheduling, and no way to tell which code served a request. A registry or account compromise ships straight into the cluster.',
  remediation: 'Pin the image by digest (`image: vllm/vllm-openai:v0.6.3@sha256:…`) and update it deliberately (Renovate/Dependabot can bump digests).',
  references: ['https://kubernetes.io/docs/concepts/containers/images/#image-names', 'https://kubernetes.io/docs/concepts/configuration/overview/#container-images'],
  tags: ['k8s', 'supply-chain', 'images'],
  maturity: 'stable',
});

export const imageNotPinned = defineRule({
  id: 'k8s/image-not-pinned',
  title: 'Image not pinned by digest',
  severity: 'low',
  description:
    'The image is referenced by tag only. Tags are mutable: whoever can push to the repository (or compromise it) can replace the content behind `pytorch:2.4.0-cuda12.1` without any change to the manifest, and nodes that pull later run different code than the ones that pulled earlier.',
  remediation: 'Reference the image by digest, keeping the tag for readability: `image: repo/name:tag@sha256:<digest>`. Verify image signatures at admission where possible.',
  references: ['https://kubernetes.io/docs/concepts/containers/images/#image-names'],
  tags: ['k8s', 'supply-chain', 'images'],
  maturity: 'stable',
});

export const IMAGE_RULES = [imageLatest, imageNotPinned] as const;

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

export function checkImages(obj: ManifestObject, tpl: PodTemplate, ctx: CheckContext): void {
  for (const c of containersOf(tpl)) {
    const image = asString(c.container['image']);
    if (image === undefined || image.trim() === '') continue;
    const ref = parseImageRef(image);
    if (ref.digest !== undefined && DIGEST.test(ref.digest)) continue;
    const loc = locationOf(obj, [...c.path, 'image']);
    if (ref.tag === undefined || ref.tag === 'latest') {
      ctx.out.push(
        imageLatest.report({
          location: loc,
          message: `${containerLabel(c)} uses image ${JSON.stringify(image)}${ref.tag === undefined ? ' (no tag means latest)' : ''}: nodes may run different, unreviewed versions`,
          evidence: image,
        }),
      );
    } else {
      ctx.out.push(
        imageNotPinned.report({
          location: loc,
          message: `${containerLabel(c)} uses image ${JSON.stringify(image)} by tag only; the tag can be moved to other content`,
          evidence: image,
        }),
      );
    }
  }
}
