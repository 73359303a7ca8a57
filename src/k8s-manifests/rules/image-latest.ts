/** Images with the `latest` tag, explicit or implied, and no digest. */
import { unpinnedImages } from '../image-refs.js';
import { templateRule } from '../k8s-rule.js';
import { locationOf } from '../model.js';
import { at, fires, goodPod, silent } from '../sample-manifests.js';
import { containerLabel } from '../workloads.js';

export const imageLatest = templateRule({
  id: 'k8s/image-latest',
  title: 'Image uses the latest tag',
  severity: 'medium',
  description:
    'The image has no tag or the `latest` tag and no digest, so every node pulls whatever the registry serves at that moment: a different CUDA, framework or inference-server version per node, silent upgrades on rescheduling, and no way to tell which code served a request. A registry or account compromise ships straight into the cluster.',
  remediation: 'Pin the image by digest (`image: vllm/vllm-openai:v0.6.3@sha256:…`) and update it deliberately (Renovate/Dependabot can bump digests).',
  references: ['https://kubernetes.io/docs/concepts/containers/images/#image-names', 'https://kubernetes.io/docs/concepts/configuration/overview/#container-images'],
  tags: ['k8s', 'supply-chain', 'images'],
  maturity: 'stable',
  admission: { level: 'restricted' },
  check({ object, template }, report) {
    for (const { container: c, image, ref } of unpinnedImages(template)) {
      if (ref.tag !== undefined && ref.tag !== 'latest') continue; // k8s/image-not-pinned
      report({
        location: locationOf(object, [...c.path, 'image']),
        message: `${containerLabel(c)} uses image ${JSON.stringify(image)}${ref.tag === undefined ? ' (no tag means latest)' : ''}: nodes may run different, unreviewed versions`,
        evidence: image,
      });
    }
  },
  cases: () => ({
    invalid: [fires('no tag', goodPod([], [], 'vllm/vllm-openai'), at(14, 5, 'spec.containers[0].image')), fires(':latest with a registry port', goodPod([], [], 'registry.local:5000/llm/server:latest'), at(14, 5, 'spec.containers[0].image'))],
    valid: [silent('pinned by digest', goodPod()), silent('tag only (reported by image-not-pinned instead)', goodPod([], [], 'vllm/vllm-openai:v0.6.3'))],
  }),
});
