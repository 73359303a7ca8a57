/**
 * Model volumes mounted writable into serving containers.
 *
 * A "model volume" is recognised by any of:
 * - its mount path: a path segment `model`, `models`, `weights`, `checkpoint(s)`, `huggingface`,
 *   `hf-cache`/`hf_cache`, `model-store`, `model-repository`, `ollama`, or the well-known
 *   `/mnt/models` (KServe), `/opt/ml/model` (SageMaker), `~/.cache/huggingface`;
 * - its volume name or its PersistentVolumeClaim's claimName containing `model`, `weights`,
 *   `checkpoint`, `huggingface` or `hf-cache` as a word;
 * and only volumes that outlive the container or are shared count: persistentVolumeClaim, hostPath,
 * nfs, csi (inline, not read-only), and the other network/block sources. emptyDir, ephemeral, image,
 * configMap, secret, downwardAPI and projected volumes are per-pod or read-only by nature.
 * "Serving" means the regular containers of long-running workloads (Pod, Deployment, StatefulSet,
 * DaemonSet, ReplicaSet, ReplicationController, Argo Rollout, LeaderWorkerSet, RayService, the
 * pods KServe generates); Jobs and training CRDs legitimately write checkpoints, and init containers
 * legitimately download models. A regular container whose job is to fetch or sync models (a model
 * loader: its name, image or command says so, e.g. `model-downloader`, `kserve/storage-initializer`,
 * `huggingface-cli download`, `aws s3 sync`, `gsutil rsync`, `rclone`) writes to the volume by design
 * and is not reported; the serving containers next to it are.
 */
import { templateRule } from '../k8s-rule.js';
import type { JsonObject, ManifestObject } from '../model.js';
import { locationOf } from '../model.js';
import { GOOD_TEMPLATE_SPEC, IMAGE, at, deployHead, fires, lines, silent, tplContainer } from '../sample-manifests.js';
import { apiGroup, asArray, asObject, asString, containerLabel, containersOf, volumesOf } from '../workloads.js';

const MODEL_PATH_SEGMENT = /^(?:models?|weights|checkpoints?|huggingface|hf[-_]?cache|model[-_]?(?:store|repository|repo|cache)|ollama)$/i;
const MODEL_WORD = /(?:^|[-_.])(?:models?|weights|checkpoints?|huggingface|hf[-_]?cache)(?:$|[-_.])/i;
const WELL_KNOWN = ['/mnt/models', '/opt/ml/model'];

export function isModelPath(mountPath: string): boolean {
  if (WELL_KNOWN.some((p) => mountPath === p || mountPath.startsWith(`${p}/`))) return true;
  return mountPath.split('/').some((seg) => MODEL_PATH_SEGMENT.test(seg));
}

/** Volume sources that are per-pod or read-only by nature. */
const EPHEMERAL_OR_RO = new Set(['emptyDir', 'ephemeral', 'image', 'configMap', 'secret', 'downwardAPI', 'projected']);

const SERVING_CORE = new Set(['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController']);

function isServing(obj: ManifestObject): boolean {
  const g = apiGroup(obj.apiVersion);
  if (SERVING_CORE.has(obj.kind) && (g === '' || g === 'apps' || g === 'extensions')) return true;
  return (
    (g === 'argoproj.io' && obj.kind === 'Rollout') ||
    (g === 'leaderworkerset.x-k8s.io' && obj.kind === 'LeaderWorkerSet') ||
    (g === 'ray.io' && obj.kind === 'RayService') ||
    (g === 'serving.kserve.io' && (obj.kind === 'InferenceService' || obj.kind === 'ServingRuntime' || obj.kind === 'ClusterServingRuntime' || obj.kind === 'LLMInferenceService'))
  );
}

const LOADER_NAME = /(?:^|[-_.])(?:download(?:er)?|loader|fetch(?:er)?|sync(?:er)?|puller|pull|copier|init(?:ializer)?|storage-initializer|model-init|cache-warm(?:er)?|prefetch(?:er)?)(?:$|[-_.])/i;
const LOADER_IMAGE = /(?:^|\/)(?:storage-initializer|huggingface-cli|hf-downloader|model-downloader|aws-cli|awscli|google-cloud-cli|cloud-sdk|gsutil|rclone|mc|s5cmd|azure-cli|git-sync|modelcar-init)(?:[:@/]|$)/i;
const LOADER_COMMAND = /\b(?:huggingface-cli\s+download|hf\s+download|snapshot_download|hf_hub_download|aws\s+s3\s+(?:cp|sync)|gsutil\s+(?:-m\s+)?(?:cp|rsync)|gcloud\s+storage\s+(?:cp|rsync)|rclone\s+(?:copy|sync)|s5cmd|azcopy|mc\s+(?:cp|mirror)|git\s+lfs\s+pull|ollama\s+pull|wget|curl\s+-[a-zA-Z]*[oO])/;

/** Why a container is a model loader (its job is to write models), or undefined. */
export function modelLoaderEvidence(c: JsonObject, name: string): string | undefined {
  if (LOADER_NAME.test(name)) return `its name ${JSON.stringify(name)}`;
  const image = asString(c['image']) ?? '';
  if (LOADER_IMAGE.test(image.split('@')[0] ?? '')) return `its image ${JSON.stringify(image)}`;
  const cmd = [...asArray(c['command']), ...asArray(c['args'])].filter((x): x is string => typeof x === 'string').join(' ');
  const m = LOADER_COMMAND.exec(cmd);
  if (m) return `its command (${JSON.stringify(m[0])})`;
  return undefined;
}

function sourceOf(v: JsonObject): string | undefined {
  return Object.keys(v).find((k) => k !== 'name' && v[k] !== null && typeof v[k] === 'object');
}

export const modelVolumeWritable = templateRule({
  id: 'k8s/model-volume-writable',
  title: 'Model volume mounted writable into a serving container',
  severity: 'medium',
  description:
    'A serving container mounts a persistent or shared volume that holds models (a PVC, NFS or hostPath at /models, the Hugging Face cache, a Triton model repository …) without `readOnly: true`. If the server is compromised (an RCE in the inference stack, a malicious model loaded once), the attacker can replace the weights or add a pickle payload on the shared volume: every replica, and every future pod that mounts it, then loads the poisoned model. Serving never needs to write to its models.',
  remediation:
    'Mount model volumes with `readOnly: true` in serving containers (and `persistentVolumeClaim.readOnly: true` / a ReadOnlyMany PVC). Download or convert models in an init container or a separate Job that has write access, then verify them (signatures, scanning) before serving.',
  references: ['https://kubernetes.io/docs/concepts/storage/volumes/', 'https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes'],
  tags: ['k8s', 'models', 'integrity'],
  maturity: 'incubating',
  admission: { level: 'restricted' },
  check({ object: obj, template: tpl }, report) {
    if (!isServing(obj)) return;
    const volumes = new Map(volumesOf(tpl).map((v) => [v.name, v]));
    for (const c of containersOf(tpl, ['containers'])) {
      if (modelLoaderEvidence(c.container, c.name) !== undefined) continue; // writes models by design
      asArray(c.container['volumeMounts']).forEach((m, i) => {
        const mount = asObject(m);
        const name = asString(mount?.['name']);
        const mountPath = asString(mount?.['mountPath']) ?? '';
        if (!mount || name === undefined || mount['readOnly'] === true) return;
        const vol = volumes.get(name);
        if (!vol) return;
        const src = sourceOf(vol.volume);
        if (src === undefined || EPHEMERAL_OR_RO.has(src)) return;
        const srcObj = asObject(vol.volume[src]);
        if (srcObj?.['readOnly'] === true) return; // persistentVolumeClaim.readOnly, csi.readOnly, nfs.readOnly …
        const claim = src === 'persistentVolumeClaim' ? asString(srcObj?.['claimName']) : undefined;
        if (!(isModelPath(mountPath) || MODEL_WORD.test(name) || (claim !== undefined && MODEL_WORD.test(claim)))) return;
        const mountFieldPath = [...c.path, 'volumeMounts', i];
        report({
          location: locationOf(obj, mount['readOnly'] === false ? [...mountFieldPath, 'readOnly'] : mountFieldPath),
          message: `${containerLabel(c)} mounts model volume ${JSON.stringify(name)} (${src}${claim !== undefined ? ` ${JSON.stringify(claim)}` : ''}) at ${JSON.stringify(mountPath)} writable; a compromised server can poison the models every replica loads`,
        });
      });
    }
  },
  cases: () => ({
    invalid: [
      fires(
        'PVC at /models without readOnly',
        lines(deployHead('llm'), GOOD_TEMPLATE_SPEC, tplContainer('server', IMAGE, ['        volumeMounts:', '        - name: weights', '          mountPath: /models']), ['      volumes:', '      - name: weights', '        persistentVolumeClaim: {claimName: llama-3-8b}']),
        at(27, 11, 'spec.template.spec.containers[0].volumeMounts[0]'),
      ),
    ],
    valid: [
      silent(
        'readOnly: true',
        lines(deployHead('llm'), GOOD_TEMPLATE_SPEC, tplContainer('server', IMAGE, ['        volumeMounts:', '        - name: weights', '          mountPath: /models', '          readOnly: true']), ['      volumes:', '      - name: weights', '        persistentVolumeClaim: {claimName: llama-3-8b}']),
      ),
      silent(
        'a model-sync sidecar writes by design (the server mounts read-only)',
        lines(
          deployHead('llm'),
          GOOD_TEMPLATE_SPEC,
          tplContainer('server', IMAGE, ['        volumeMounts:', '        - {name: weights, mountPath: /models, readOnly: true}']),
          tplContainer('model-sync', IMAGE, ['        command: [sh, -c, "aws s3 sync s3://models/llama /models"]', '        volumeMounts:', '        - {name: weights, mountPath: /models}']),
          ['      volumes:', '      - name: weights', '        persistentVolumeClaim: {claimName: llama-3-8b}'],
        ),
      ),
      silent('emptyDir cache', lines(deployHead('llm'), GOOD_TEMPLATE_SPEC, tplContainer('server', IMAGE, ['        volumeMounts:', '        - name: cache', '          mountPath: /root/.cache/huggingface']), ['      volumes:', '      - name: cache', '        emptyDir: {}'])),
    ],
  }),
});
