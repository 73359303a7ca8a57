/**
 * What the image checks look for, as data (versioned with the rules): shells and package managers,
 * miner names and content markers, AI service ports, the AI base images an image may claim to be and
 * what their filesystem must then hold, benign start-up hooks. Paths are image paths without the
 * leading `/`.
 */

export const IMAGE_DATA_VERSION = '2027-01';

/** Shells: their presence means `docker exec … sh` works (not a minimal image). */
export const SHELLS: ReadonlySet<string> = new Set(['bin/sh', 'bin/bash', 'bin/dash', 'bin/ash', 'bin/zsh', 'bin/ksh', 'bin/busybox', 'usr/bin/sh', 'usr/bin/bash', 'usr/bin/dash', 'usr/bin/zsh', 'usr/bin/busybox']);

/** Shell basenames (a setuid copy of any of these anywhere is a root shell). */
export const SHELL_NAMES: ReadonlySet<string> = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'busybox', 'csh', 'tcsh', 'fish']);

/** Package managers: their presence lets an attacker in the container install tools. */
export const PACKAGE_MANAGERS: ReadonlyMap<string, string> = new Map([
  ['usr/bin/apt', 'apt'],
  ['usr/bin/apt-get', 'apt'],
  ['usr/bin/dpkg', 'dpkg'],
  ['sbin/apk', 'apk'],
  ['usr/bin/yum', 'yum'],
  ['usr/bin/dnf', 'dnf'],
  ['usr/bin/microdnf', 'microdnf'],
  ['usr/bin/rpm', 'rpm'],
  ['usr/bin/zypper', 'zypper'],
  ['usr/bin/pip', 'pip'],
  ['usr/bin/pip3', 'pip'],
  ['usr/local/bin/pip', 'pip'],
  ['usr/local/bin/pip3', 'pip'],
  ['opt/conda/bin/conda', 'conda'],
  ['opt/conda/bin/pip', 'pip'],
]);

/** File basenames of known cryptocurrency miners (lower case). */
export const MINER_NAMES: ReadonlySet<string> = new Set([
  'xmrig', 'xmrig-cuda', 'xmrig-nvidia', 'xmr-stak', 'xmr-stak-rx', 'xmr-stak-cpu', 'cpuminer', 'cpuminer-multi', 'cpuminer-opt', 'minerd', 'cgminer', 'bfgminer',
  'ethminer', 'nbminer', 'lolminer', 't-rex', 'phoenixminer', 'gminer', 'miner.exe', 'teamredminer', 'nanominer', 'srbminer-multi', 'kawpowminer', 'ccminer', 'xmrig-proxy',
]);

/** SHA-256 of known miner builds (lower-case hex). Extend through bulwark.yaml policy data in a later round. */
export const MINER_SHA256: ReadonlySet<string> = new Set<string>([]);

/** Byte strings found inside miner executables (pool protocol and miner banners). */
export const MINER_MARKERS: readonly string[] = ['stratum+tcp://', 'stratum+ssl://', 'stratum2+tcp://', 'XMRig/', 'cryptonight', 'randomx_init'];

/** Ports of AI services that should not be reachable without authentication. */
export const AI_PORTS: ReadonlyMap<number, string> = new Map([
  [8888, 'Jupyter'],
  [6006, 'TensorBoard'],
  [11434, 'Ollama'],
  [7860, 'Gradio'],
  [8265, 'Ray dashboard'],
  [6379, 'Redis (Ray GCS)'],
  [10001, 'Ray client'],
  [5000, 'MLflow'],
  [8000, 'vLLM / inference API'],
  [8001, 'Triton gRPC'],
  [8002, 'Triton metrics'],
  [8080, 'TorchServe / TGI / inference API'],
  [8081, 'TorchServe management'],
  [8082, 'TorchServe metrics'],
  [3000, 'Open WebUI / Langflow'],
  [7861, 'Stable Diffusion WebUI'],
  [8501, 'Streamlit'],
]);

/** Ports whose service has no authentication by default (medium; the others are low). */
export const UNAUTHENTICATED_PORTS: ReadonlySet<number> = new Set([8888, 6006, 11434, 8265, 6379, 10001, 5000, 8081]);

/** Writable paths: an entrypoint or binary there was not installed by the image build's package manager. */
export const WRITABLE_PREFIXES: readonly string[] = ['tmp/', 'var/tmp/', 'dev/shm/', 'run/user/'];

/** An AI base image an image may claim to be, and what its filesystem must then hold. */
export interface AiClaim {
  readonly name: string;
  /** Matched (case-insensitive) against the repository name, the OCI title, source and base-name labels. */
  readonly pattern: RegExp;
  /** At least one of these (regex on an image path) must exist. */
  readonly expects: readonly RegExp[];
  /** What is missing, for the message. */
  readonly expectsText: string;
  /** The entrypoint + command, when set, should match one of these (else "unexpected entrypoint"). */
  readonly entrypoints?: readonly RegExp[];
}

const SITE = String.raw`(?:^|/)(?:site|dist)-packages/`;

export const AI_CLAIMS: readonly AiClaim[] = [
  { name: 'vLLM', pattern: /(?:^|[^a-z])vllm(?:[^a-z]|$)/i, expects: [new RegExp(`${SITE}vllm/__init__\\.py$`)], expectsText: 'no vllm Python package', entrypoints: [/vllm|python/i] },
  { name: 'Triton Inference Server', pattern: /tritonserver|triton-?inference/i, expects: [/(?:^|\/)tritonserver\/bin\/tritonserver$/, /(?:^|\/)bin\/tritonserver$/], expectsText: 'no tritonserver binary', entrypoints: [/tritonserver|nvidia_entrypoint|python/i] },
  { name: 'TensorFlow', pattern: /tensorflow/i, expects: [new RegExp(`${SITE}tensorflow/__init__\\.py$`)], expectsText: 'no tensorflow Python package', entrypoints: [/python|jupyter|tensorboard|bash|sh$/i] },
  { name: 'PyTorch', pattern: /pytorch|(?:^|[^a-z])torch(?:[^a-z]|$)/i, expects: [new RegExp(`${SITE}torch/__init__\\.py$`)], expectsText: 'no torch Python package', entrypoints: [/python|torchrun|jupyter|bash|sh$|nvidia_entrypoint/i] },
];

/** Labels (config) and annotations (manifest) that say what an image is. */
export const CLAIM_LABELS: readonly string[] = ['org.opencontainers.image.title', 'org.opencontainers.image.source', 'org.opencontainers.image.base.name', 'org.opencontainers.image.ref.name', 'org.opencontainers.image.url', 'com.nvidia.build.ref'];

/** `.pth` files that ship with common tools and run one known line at start-up (name → text it starts with). */
export const BENIGN_PTH: ReadonlyMap<string, string> = new Map([
  ['distutils-precedence.pth', "import os; var = 'SETUPTOOLS_USE_DISTUTILS'"],
  ['_virtualenv.pth', 'import _virtualenv'],
]);

/** Names of credential files, wherever they are (matched on the basename or a path suffix). */
export const CREDENTIAL_FILES: readonly RegExp[] = [
  /(?:^|\/)\.aws\/credentials$/,
  /(?:^|\/)\.netrc$/,
  /(?:^|\/)\.git-credentials$/,
  /(?:^|\/)\.docker\/config\.json$/,
  /(?:^|\/)\.cache\/huggingface\/token$/,
  /(?:^|\/)\.huggingface\/token$/,
  /(?:^|\/)\.npmrc$/,
  /(?:^|\/)\.pypirc$/,
  /(?:^|\/)\.env(?:\.[a-z]+)?$/,
  /(?:^|\/)id_(?:rsa|dsa|ecdsa|ed25519)$/,
  /\.(?:pem|key)$/,
];

/** Image paths under which files are not searched for secrets by content (distribution files). */
export const NO_SECRET_SCAN_PREFIXES: readonly string[] = ['usr/share/', 'usr/include/', 'usr/lib/', 'lib/', 'usr/libexec/', 'var/lib/dpkg/', 'var/lib/apt/', 'var/cache/', 'etc/ssl/certs/', 'usr/local/lib/python', 'opt/conda/lib/', 'proc/', 'sys/'];

/** Secret patterns searched for in file contents (each with what it is, for messages). */
export const CONTENT_SECRETS: readonly { readonly re: RegExp; readonly what: string; readonly privateKey?: true }[] = [
  { re: /-----BEGIN (?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----/, what: 'a private key', privateKey: true },
  { re: /\bhf_[A-Za-z0-9]{30,}\b/, what: 'a Hugging Face token' },
  { re: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}\b/, what: 'an OpenAI API key' },
  { re: /\bsk-ant-[A-Za-z0-9_-]{20,}\b/, what: 'an Anthropic API key' },
  { re: /\bAKIA[0-9A-Z]{16}\b/, what: 'an AWS access key id' },
  { re: /\baws_secret_access_key\s*=\s*[A-Za-z0-9/+]{40}\b/i, what: 'an AWS secret access key' },
  { re: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/, what: 'a GitHub token' },
  { re: /\bglpat-[A-Za-z0-9_-]{20,}\b/, what: 'a GitLab token' },
  { re: /\bxox[baprs]-[A-Za-z0-9-]{10,}\b/, what: 'a Slack token' },
  { re: /\bAIza[0-9A-Za-z_-]{35}\b/, what: 'a Google API key' },
  { re: /"type"\s*:\s*"service_account"[\s\S]{0,2000}"private_key"/, what: 'a Google Cloud service-account key' },
  { re: /\bnvapi-[A-Za-z0-9_-]{40,}\b/, what: 'an NVIDIA API key' },
];
