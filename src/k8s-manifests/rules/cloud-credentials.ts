/**
 * Long-lived cloud credentials in Secrets, in container env, and delivered to workloads from Secrets
 * (env or mounted files), with the fix named for the platform (cloud-keys.ts).
 */
import { cloudKeyOf, cloudKeyVariable, decodeSecretValue, PLATFORM_FIX, PROVIDER_NAME } from '../cloud-keys.js';
import type { CloudKey, CloudProvider } from '../cloud-keys.js';
import { objectRule } from '../k8s-rule.js';
import type { FieldPath, ManifestObject } from '../model.js';
import { locationOf } from '../model.js';
import { GOOD_TEMPLATE_SPEC, IMAGE, at, deployHead, fires, goodPod, lines, silent, tplContainer } from '../sample-manifests.js';
import { redact } from './secret-in-env.js';
import { apiGroup, asArray, asObject, asString, containerLabel } from '../workloads.js';

const SECRET = (data: readonly string[]): string[] => ['apiVersion: v1', 'kind: Secret', 'metadata: {name: cloud, namespace: ml}', 'type: Opaque', ...data];

/** The cloud keys a Secret object holds: key name → what. */
function keysOfSecret(secret: ManifestObject): { key: string; path: FieldPath; found: CloudKey; value: string }[] {
  const out: { key: string; path: FieldPath; found: CloudKey; value: string }[] = [];
  for (const field of ['data', 'stringData'] as const) {
    const m = asObject(secret.value[field]);
    if (!m) continue;
    for (const [k, raw] of Object.entries(m)) {
      const value = field === 'data' ? decodeSecretValue(raw) : asString(raw);
      if (value === undefined) continue;
      const found = cloudKeyOf(k, value);
      if (found) out.push({ key: k, path: [field, k], found, value });
    }
  }
  return out;
}

const fix = (p: CloudProvider): string => PLATFORM_FIX[p];

export const cloudCredentials = objectRule({
  id: 'k8s/cloud-credentials',
  title: 'Long-lived cloud credentials in the cluster',
  severity: 'high',
  description:
    'A long-lived cloud key is stored in a manifest or handed to a workload: an AWS access key (AKIA\u2026 and its secret), an Alibaba Cloud AccessKey pair (LTAI\u2026), a Google Cloud service-account key file, an Azure client secret or storage account key. AI workloads often hold such keys to read models and datasets from object storage; whoever compromises the pod (a malicious model, an RCE in the inference server) or can read the Secret gets the key, which works from anywhere until someone revokes it, usually with far more rights than the pod needs. Managed Kubernetes replaces stored keys by short-lived credentials bound to the pod\u2019s ServiceAccount: IRSA or EKS Pod Identity, RRSA on ACK, Workload Identity on GKE and on AKS. High when the key itself is in the manifest (a Secret\u2019s data is only base64, and env values are plain text, both readable in Git and by anyone who can read the object); medium for a workload that receives a key from a Secret (env `secretKeyRef`/`envFrom`, or a mounted Secret that holds one).',
  remediation:
    'Replace the key by the platform\u2019s workload identity: IRSA or EKS Pod Identity on EKS, RRSA on ACK, Workload Identity Federation on GKE, Microsoft Entra Workload ID on AKS; give the role only the buckets and actions the workload needs; then revoke the key (it has been in the manifest, assume it leaked). Where no workload identity exists, keep keys out of manifests (External Secrets, Secrets Store CSI driver) and rotate them.',
  references: [
    'https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html',
    'https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html',
    'https://www.alibabacloud.com/help/en/ack/ack-managed-and-ack-dedicated/user-guide/use-rrsa-to-authorize-pods-to-access-different-cloud-services',
    'https://cloud.google.com/kubernetes-engine/docs/concepts/workload-identity',
    'https://learn.microsoft.com/en-us/azure/aks/workload-identity-overview',
  ],
  tags: ['k8s', 'secrets', 'credentials', 'cloud'],
  maturity: 'stable',
  admission: { level: 'restricted' },
  check({ object, templates, index }, report) {
    if (apiGroup(object.apiVersion) === '' && object.kind === 'Secret') {
      for (const k of keysOfSecret(object)) {
        report({
          location: locationOf(object, k.path),
          message: `Secret ${object.name} holds ${k.found.what} under ${JSON.stringify(k.key)}: a long-lived ${PROVIDER_NAME[k.found.provider]} key, readable by anyone who can read this manifest or the Secret; ${fix(k.found.provider)}`,
          evidence: `${k.key}=${redact(k.value)}`,
        });
      }
      return;
    }
    const ns = object.namespace !== undefined && object.namespace !== '' ? object.namespace : 'default';
    const secretsIn = new Map<string, ReturnType<typeof keysOfSecret>>();
    const secretKeys = (name: string): ReturnType<typeof keysOfSecret> => {
      let hit = secretsIn.get(name);
      if (!hit) {
        hit = index.find('', 'Secret', ns, name).flatMap(keysOfSecret);
        secretsIn.set(name, hit);
      }
      return hit;
    };
    for (const t of templates) {
      for (const c of t.containers) {
        asArray(c.container['env']).forEach((e, i) => {
          const env = asObject(e);
          const name = asString(env?.['name']);
          if (name === undefined) return;
          const value = asString(env?.['value']);
          if (value !== undefined) {
            const found = cloudKeyOf(name, value);
            if (!found) return;
            report({
              location: locationOf(object, [...c.path, 'env', i, 'value']),
              message: `${containerLabel(c)} sets ${name} to ${found.what} literally: a long-lived ${PROVIDER_NAME[found.provider]} key in plain text in the manifest; ${fix(found.provider)}`,
              evidence: `${name}=${redact(value)}`,
            });
            return;
          }
          const ref = asObject(asObject(env?.['valueFrom'])?.['secretKeyRef']);
          const provider = cloudKeyVariable(name);
          if (!ref || provider === undefined || provider === 'gcp') return;
          report({
            location: locationOf(object, [...c.path, 'env', i, 'valueFrom']),
            severity: 'medium',
            message: `${containerLabel(c)} gets ${name} from Secret ${JSON.stringify(asString(ref['name']) ?? '')}: the pod holds a long-lived ${PROVIDER_NAME[provider]} key that anyone who compromises it can use from anywhere; ${fix(provider)}`,
          });
        });
        asArray(c.container['envFrom']).forEach((e, i) => {
          const name = asString(asObject(asObject(e)?.['secretRef'])?.['name']);
          if (name === undefined) return;
          const keys = secretKeys(name);
          const first = keys[0];
          if (!first) return;
          report({
            location: locationOf(object, [...c.path, 'envFrom', i, 'secretRef']),
            severity: 'medium',
            message: `${containerLabel(c)} takes its environment from Secret ${JSON.stringify(name)}, which holds ${first.found.what}: the pod holds a long-lived ${PROVIDER_NAME[first.found.provider]} key; ${fix(first.found.provider)}`,
          });
        });
      }
      for (const v of t.volumes) {
        const secret = asObject(v.volume['secret']);
        const name = asString(secret?.['secretName']);
        if (name === undefined) continue;
        const first = secretKeys(name)[0];
        if (!first) continue;
        report({
          location: locationOf(object, [...v.path, 'secret', 'secretName']),
          severity: 'medium',
          message: `volume ${JSON.stringify(v.name)} mounts Secret ${JSON.stringify(name)}, which holds ${first.found.what}, into the pod: it holds a long-lived ${PROVIDER_NAME[first.found.provider]} key; ${fix(first.found.provider)}`,
        });
      }
    }
  },
  cases: () => ({
    invalid: [
      fires('an AWS key pair in a Secret', lines(SECRET(['stringData:', '  AWS_ACCESS_KEY_ID: AKIAIOSFODNN7EXAMPLE', '  AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'])), at(6, 3, 'stringData.AWS_ACCESS_KEY_ID', { messageIncludes: 'IRSA' })),
      fires(
        'an Alibaba AccessKey id in a Secret (base64)',
        lines(SECRET(['data:', `  accessKeyId: ${Buffer.from('LTAI5tQ9rXyZ1a2b3c4d5e6f').toString('base64')}`])),
        at(6, 3, 'data.accessKeyId', { messageIncludes: 'RRSA' }),
      ),
      fires(
        'a GCP key mounted from a Secret in the scan',
        lines(
          SECRET(['stringData:', '  key.json: \'{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\\n"}\'']),
          '---',
          deployHead('trainer'),
          GOOD_TEMPLATE_SPEC,
          tplContainer('t', IMAGE),
          ['      volumes:', '      - name: gcp', '        secret: {secretName: cloud}'],
        ),
        at(6, 3, 'stringData["key.json"]', { messageIncludes: 'Workload Identity' }),
      ),
      fires('an Azure client secret from a secretKeyRef', goodPod(['    env:', '    - name: AZURE_CLIENT_SECRET', '      valueFrom:', '        secretKeyRef: {name: azure, key: secret}']), at(23, 7, 'spec.containers[0].env[0].valueFrom', { severity: 'medium', messageIncludes: 'Workload ID' })),
    ],
    valid: [
      silent('a Secret with a database password', lines(SECRET(['stringData:', '  password: hunter2hunter2hunter2']))),
      silent('placeholders', lines(SECRET(['stringData:', '  AWS_SECRET_ACCESS_KEY: <your-secret-key>']))),
      silent('IRSA: no key at all', goodPod(['    env:', '    - name: AWS_REGION', '      value: us-east-1'])),
    ],
  }),
});
