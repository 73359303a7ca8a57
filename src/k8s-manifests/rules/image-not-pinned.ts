/** Images referenced by a tag (other than `latest`) without a digest. */
import { unpinnedImages } from '../image-refs.js';
import { templateRule } from '../k8s-rule.js';
import { locationOf } from '../model.js';
import { at, fires, goodPod, silent } from '../sample-manifests.js';
import { containerLabel } from '../workloads.js';

export const imageNotPinned = templateRule({
  id: 'k8s/image-not-pinned',
  title: 'Image not pinned by digest',
  severity: 'low',
  description:
    'The image is referenced by tag only. Tags are mutable: whoever can push to the repository (or compromise it) can replace the content behind `pytorch:2.4.0-cuda12.1` without any change to the manifest, and nodes that pull later run different code than the ones that pulled earlier.',
  remediation: 'Reference the image by digest, keeping the tag for readability: `image: repo/name:tag@sha256:<digest>`. Verify image signatures at admission where possible.',
  references: ['https://kubernetes.io/docs/concepts/containers/images/#image-names'],
  tags: ['k8s', 'supply-chain', 'images'],
  maturity: 'stable',
  admission: { level: 'restricted' },
  check({ object, template }, report) {
    for (const { container: c, image, ref } of unpinnedImages(template)) {
      if (ref.tag === undefined || ref.tag === 'latest') continue; // k8s/image-latest
      report({
        location: locationOf(object, [...c.path, 'image']),
        message: `${containerLabel(c)} uses image ${JSON.stringify(image)} by tag only; the tag can be moved to other content`,
        evidence: image,
      });
    }
  },
  cases: () => ({
    invalid: [fires('tag without digest', goodPod([], [], 'nvcr.io/nvidia/tritonserver:24.08-py3'), at(14, 5, 'spec.containers[0].image'))],
    valid: [silent('tag and digest', goodPod())],
  }),
});
