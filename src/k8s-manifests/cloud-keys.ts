/**
 * Long-lived cloud credentials (issue 10, item 8): AWS access keys, Alibaba Cloud AccessKey pairs,
 * Google Cloud service-account key files, Azure client secrets and storage account keys, recognised by
 * value format and by the variable or key names the clouds' SDKs read. Each provider comes with the
 * fix that replaces a stored key by a short-lived, workload-bound identity on its managed Kubernetes:
 * IRSA or EKS Pod Identity, RRSA on ACK, Workload Identity on GKE and on AKS.
 */
import type { Json } from './model.js';

export type CloudProvider = 'aws' | 'alibaba' | 'gcp' | 'azure';

export interface CloudKey {
  readonly provider: CloudProvider;
  /** What was found, for messages: `an AWS access key id (AKIA…)`. */
  readonly what: string;
}

export const PROVIDER_NAME: Readonly<Record<CloudProvider, string>> = { aws: 'AWS', alibaba: 'Alibaba Cloud', gcp: 'Google Cloud', azure: 'Azure' };

/** The fix per platform: a workload identity instead of a stored key. */
export const PLATFORM_FIX: Readonly<Record<CloudProvider, string>> = {
  aws: 'on EKS use IAM Roles for Service Accounts (IRSA: annotate the ServiceAccount with eks.amazonaws.com/role-arn) or EKS Pod Identity (a pod identity association for the ServiceAccount), then deactivate and delete the access key',
  alibaba: 'on ACK use RRSA (RAM Roles for Service Accounts: enable RRSA on the cluster and annotate the ServiceAccount with pod-identity.alibabacloud.com/role-name), then disable and delete the AccessKey pair',
  gcp: 'on GKE use Workload Identity Federation (grant the Kubernetes ServiceAccount directly, or annotate it with iam.gke.io/gcp-service-account), then delete the service-account key',
  azure: 'on AKS use Microsoft Entra Workload ID (azure.workload.identity/client-id on the ServiceAccount, label azure.workload.identity/use: "true" on the pods), then remove the client secret or rotate the account key and use RBAC',
};

const AWS_KEY_ID = /\bAKIA[0-9A-Z]{16}\b/;
const ALIBABA_KEY_ID = /\bLTAI[0-9A-Za-z]{12,24}\b/;
const AWS_CREDENTIALS_FILE = /^\s*aws_secret_access_key\s*=\s*\S{20,}/m;
const AZURE_CONNECTION_KEY = /\bAccountKey=[A-Za-z0-9+/]{40,}={0,2}/;
const PEM_PRIVATE_KEY = /-----BEGIN (?:RSA )?PRIVATE KEY-----/;

/** Variable (or Secret key) names the SDKs read a long-lived secret from; the value is the secret. */
const SECRET_NAMES: ReadonlyMap<string, CloudKey> = new Map<string, CloudKey>([
  ['AWS_SECRET_ACCESS_KEY', { provider: 'aws', what: 'an AWS secret access key' }],
  ['aws_secret_access_key', { provider: 'aws', what: 'an AWS secret access key' }],
  ['ALIBABA_CLOUD_ACCESS_KEY_SECRET', { provider: 'alibaba', what: 'an Alibaba Cloud AccessKey secret' }],
  ['ALICLOUD_SECRET_KEY', { provider: 'alibaba', what: 'an Alibaba Cloud AccessKey secret' }],
  ['ALICLOUD_ACCESS_KEY_SECRET', { provider: 'alibaba', what: 'an Alibaba Cloud AccessKey secret' }],
  ['OSS_ACCESS_KEY_SECRET', { provider: 'alibaba', what: 'an Alibaba Cloud AccessKey secret' }],
  ['AZURE_CLIENT_SECRET', { provider: 'azure', what: 'an Azure client secret' }],
  ['clientSecret', { provider: 'azure', what: 'an Azure client secret' }],
  ['client-secret', { provider: 'azure', what: 'an Azure client secret' }],
  ['AZURE_STORAGE_KEY', { provider: 'azure', what: 'an Azure storage account key' }],
  ['AZURE_STORAGE_ACCOUNT_KEY', { provider: 'azure', what: 'an Azure storage account key' }],
  ['azurestorageaccountkey', { provider: 'azure', what: 'an Azure storage account key' }],
]);

/** Variables that name the key id or a key file: a pod that gets them from a Secret holds a stored key. */
const KEY_VARIABLES: ReadonlyMap<string, CloudProvider> = new Map<string, CloudProvider>([
  ['AWS_ACCESS_KEY_ID', 'aws'],
  ['AWS_SECRET_ACCESS_KEY', 'aws'],
  ['ALIBABA_CLOUD_ACCESS_KEY_ID', 'alibaba'],
  ['ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'alibaba'],
  ['ALICLOUD_ACCESS_KEY', 'alibaba'],
  ['ALICLOUD_SECRET_KEY', 'alibaba'],
  ['OSS_ACCESS_KEY_ID', 'alibaba'],
  ['OSS_ACCESS_KEY_SECRET', 'alibaba'],
  ['AZURE_CLIENT_SECRET', 'azure'],
  ['AZURE_STORAGE_KEY', 'azure'],
  ['AZURE_STORAGE_ACCOUNT_KEY', 'azure'],
  ['GOOGLE_APPLICATION_CREDENTIALS', 'gcp'],
]);

const PLACEHOLDER = /^(?:|<[^>]*>|\$\{[^}]*\}|\$\([^)]*\)|\{\{[^}]*\}\}|x{3,}|\*{3,}|changeme|change-?me|replace-?me|your[-_ ].*|todo|tbd|dummy|example|placeholder|none|null|n\/a)$/i;

/** A long-lived cloud key in a value (whatever its name), or undefined. */
export function cloudKeyInValue(value: string): CloudKey | undefined {
  if (AWS_KEY_ID.test(value)) return { provider: 'aws', what: 'an AWS access key id (AKIA…)' };
  if (AWS_CREDENTIALS_FILE.test(value)) return { provider: 'aws', what: 'an AWS credentials file with a secret access key' };
  if (ALIBABA_KEY_ID.test(value)) return { provider: 'alibaba', what: 'an Alibaba Cloud AccessKey id (LTAI…)' };
  if (AZURE_CONNECTION_KEY.test(value)) return { provider: 'azure', what: 'an Azure storage connection string with an account key' };
  if (value.includes('"service_account"') && value.includes('"private_key"') && PEM_PRIVATE_KEY.test(value.replaceAll('\\n', '\n'))) {
    return { provider: 'gcp', what: 'a Google Cloud service-account key file (JSON with a private key)' };
  }
  return undefined;
}

/** A long-lived cloud key held by a variable or Secret key of that name with this literal value, or undefined. */
export function cloudKeyOf(name: string, value: string): CloudKey | undefined {
  const v = value.trim();
  if (PLACEHOLDER.test(v)) return undefined;
  const byValue = cloudKeyInValue(v);
  if (byValue) return byValue;
  const byName = SECRET_NAMES.get(name) ?? SECRET_NAMES.get(name.toUpperCase());
  return byName !== undefined && v.length >= 16 ? byName : undefined;
}

/** The provider whose stored key a variable of this name carries (AWS_ACCESS_KEY_ID …), or undefined. */
export function cloudKeyVariable(name: string): CloudProvider | undefined {
  return KEY_VARIABLES.get(name);
}

/** A Secret's `data` value decoded from base64 (undefined when it is not valid base64 or not text). */
export function decodeSecretValue(v: Json | undefined): string | undefined {
  if (typeof v !== 'string' || v.length > 1_000_000 || !/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(v)) return undefined;
  const bytes = Buffer.from(v.replace(/\s+/g, ''), 'base64');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
