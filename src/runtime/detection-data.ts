/**
 * Detections as data: every list the runtime rules match against, versioned, in one place. Users extend
 * them without editing code (`bulwark runtime watch --data FILE`, a JSON file with the same keys: its
 * lists are added to these). Sources for the lists are given per key; they are the public lists the
 * peers use (Falco's `miner_ports` / `miner_domains`, GTFOBins reverse-shell one-liners, the
 * Kubernetes ServiceAccount token mount paths), narrowed where a peer's list is known to be noisy.
 */

export const DETECTION_DATA_VERSION = '2026-12-01';

export interface DetectionData {
  readonly version: string;
  /** Executable names of known miners (lower case; matched on the base name and on argv[0]). */
  readonly minerNames: readonly string[];
  /** SHA-256 digests of known miner binaries (lower-case hex). Empty by default: supply a list. */
  readonly minerHashes: readonly string[];
  /** Arguments that only miners use (`--donate-level` is XMRig's). Matched as whole arguments or `--x=`. */
  readonly minerFlags: readonly string[];
  /** URL schemes of the Stratum mining protocol. */
  readonly stratumSchemes: readonly string[];
  /** Mining algorithms named on a miner's command line (`-a rx/0`, `--algo kawpow`). */
  readonly minerAlgorithms: readonly string[];
  /** Public mining-pool domains (a host name ending in one of these is a pool). */
  readonly poolDomains: readonly string[];
  /** TCP ports mining pools listen on (Falco's miner_ports without the common web ports). */
  readonly poolPorts: readonly number[];
  /** CPU use (percent of one core) from which a process with a pool connection is graded critical. */
  readonly minerCpuPercent: number;
  /** Shell executables. */
  readonly shells: readonly string[];
  /** Package managers (a web server that runs one is installing tools for an intruder). */
  readonly packageManagers: readonly string[];
  /** Inference and web servers whose children should never be shells or package managers. */
  readonly servers: readonly string[];
  /** Interpreters that count as servers when they hold a listening TCP socket. */
  readonly serverInterpreters: readonly string[];
  /** Regular expressions (source text, case-insensitive) of reverse-shell command lines. */
  readonly reverseShellPatterns: readonly { readonly id: string; readonly pattern: string }[];
  /** Directories from which executing a binary is drop-and-execute (prefixes, with a trailing slash). */
  readonly dropDirectories: readonly string[];
  /**
   * Names of memory files that trusted software executes (prefixes of the name after `memfd:`): runc
   * re-executes itself from a sealed memfd (`runc_cloned:/proc/self/exe`, CVE-2019-5736 protection).
   */
  readonly trustedMemfdNames: readonly string[];
  /** Regular expressions (source text) of ServiceAccount token paths. */
  readonly tokenPaths: readonly string[];
  /** Programs that read a token only when a person or an intruder drives them. */
  readonly tokenReaders: readonly string[];
  /** Accelerator device files (prefixes) whose holder is using a GPU. */
  readonly gpuDevices: readonly string[];
  /** Accelerator extended resources in a pod spec (regular expression source). */
  readonly gpuResource: string;
  /** GPU infrastructure that opens devices without requesting them (device plugins, exporters). */
  readonly gpuInfrastructure: readonly string[];
  /** Programs that serve models (a process or ancestor named so makes the pod an inference pod). */
  readonly inferenceServers: readonly string[];
  /** Image name fragments of inference servers (an inference pod). */
  readonly inferenceImages: readonly string[];
  /** TCP ports the Kubernetes API server listens on. */
  readonly apiServerPorts: readonly number[];
}

export const DETECTION_DATA: DetectionData = {
  version: DETECTION_DATA_VERSION,
  minerNames: [
    'xmrig', 'xmrig-cuda', 'xmrig-notls', 'xmr-stak', 'xmr-stak-cpu', 'xmr-stak-rx', 'minerd', 'cpuminer', 'cpuminer-multi', 'cpuminer-opt',
    'cgminer', 'bfgminer', 'ethminer', 'ccminer', 'nbminer', 't-rex', 'trex', 'phoenixminer', 'lolminer', 'gminer', 'teamredminer',
    'nanominer', 'srbminer', 'srbminer-multi', 'bzminer', 'wildrig', 'wildrig-multi', 'rigel', 'onezerominer', 'z-enemy', 'excavator',
    'ethdcrminer64', 'nscpucnminer64', 'kdevtmpfsi', 'kinsing', 'sysrv', 'kworkerds', 'xmrminer', 'moneroocean', 'c3pool_miner',
  ],
  minerHashes: [],
  minerFlags: ['--donate-level', '--donate-over-proxy', '--cpu-max-threads-hint', '--randomx-1gb-pages', '--randomx-mode', '--cpu-priority', '--nicehash', '--rig-id', '--coin', '--max-cpu-usage', '--cuda-loader', '--opencl-platform'],
  stratumSchemes: ['stratum+tcp://', 'stratum+ssl://', 'stratum+tls://', 'stratum2+tcp://', 'stratum1+tcp://', 'stratum://'],
  minerAlgorithms: ['rx/0', 'rx/wow', 'rx/arq', 'rx/graft', 'cn/r', 'cn/0', 'cn/half', 'cn-heavy/xhv', 'cn-pico', 'argon2/chukwa', 'kawpow', 'ethash', 'etchash', 'autolykos2', 'randomx', 'cryptonight', 'equihash', 'octopus', 'kheavyhash', 'ghostrider'],
  poolDomains: [
    'minexmr.com', 'supportxmr.com', 'nanopool.org', 'moneroocean.stream', 'hashvault.pro', '2miners.com', 'f2pool.com', 'ethermine.org',
    'herominers.com', 'xmrpool.eu', 'minergate.com', 'nicehash.com', 'c3pool.com', 'unmineable.com', 'dwarfpool.com', 'viabtc.com',
    'antpool.com', 'poolin.com', 'p2pool.io', 'zergpool.com', 'xmrfast.com', 'monerohash.com', 'gulf.moneroocean.stream', 'kryptex.network',
  ],
  poolPorts: [3333, 3334, 3335, 3336, 3357, 4444, 5555, 5556, 5588, 5730, 6099, 6666, 7777, 7778, 9999, 14433, 14444, 45560, 45700],
  minerCpuPercent: 50,
  shells: ['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'fish', 'tcsh', 'csh', 'busybox'],
  packageManagers: ['apt', 'apt-get', 'aptitude', 'dpkg', 'yum', 'dnf', 'microdnf', 'rpm', 'apk', 'zypper', 'pacman', 'pip', 'pip3', 'conda', 'mamba', 'micromamba', 'uv', 'npm', 'yarn', 'pnpm', 'gem'],
  servers: [
    'uvicorn', 'gunicorn', 'hypercorn', 'tritonserver', 'vllm', 'vllm::enginecore', 'torchserve', 'jupyter', 'jupyter-lab', 'jupyter-notebook', 'jupyter-server',
    'ray', 'raylet', 'ray::idle', 'text-generation-launcher', 'text-generation-server', 'ollama', 'llama-server', 'sglang', 'streamlit', 'gradio',
    'nginx', 'httpd', 'apache2', 'php-fpm', 'lighttpd', 'caddy', 'flask', 'http.server', 'waitress-serve', 'daphne', 'mlflow', 'bentoml', 'kserve',
  ],
  serverInterpreters: ['python', 'python2', 'python3', 'node', 'java', 'ruby', 'php', 'perl'],
  reverseShellPatterns: [
    { id: 'dev-tcp', pattern: '/dev/(?:tcp|udp)/[^/\\s]+/\\d+' },
    { id: 'netcat-exec', pattern: '\\b(?:nc|ncat|netcat|nc\\.traditional|nc\\.openbsd)\\b.*\\s-(?:e|c)\\s*\\S' },
    { id: 'ncat-exec', pattern: '\\bncat\\b.*--(?:exec|sh-exec|lua-exec)\\b' },
    { id: 'socat-exec', pattern: '\\bsocat\\b.*\\b(?:exec|system):' },
    { id: 'python-socket-dup', pattern: '\\bpython[0-9.]*\\b.*\\s-c\\s.*\\bsocket\\b.*(?:dup2|pty\\.spawn|subprocess)' },
    { id: 'perl-socket-exec', pattern: '\\bperl\\b.*\\s-e\\s.*\\bsocket\\b.*(?:exec|open\\s*\\(\\s*STDIN)' },
    { id: 'ruby-socket', pattern: '\\bruby\\b.*-rsocket\\b.*(?:exec|spawn|system)' },
    { id: 'php-fsockopen', pattern: '\\bphp\\b.*\\s-r\\s.*\\bfsockopen\\b' },
    { id: 'fifo-netcat', pattern: '\\bmkfifo\\b.*\\|\\s*(?:nc|ncat|netcat|openssl)\\b' },
    { id: 'openssl-s_client-shell', pattern: '\\bopenssl\\s+s_client\\b.*\\|\\s*/?(?:bin/)?(?:ba)?sh\\b' },
  ],
  trustedMemfdNames: ['runc_cloned:'],
  dropDirectories: ['/tmp/', '/var/tmp/', '/dev/shm/', '/run/shm/', '/dev/mqueue/', '/run/user/', '/var/lib/kubelet/pods/'],
  tokenPaths: [
    '^/?(?:var/)?run/secrets/(?:kubernetes\\.io|eks\\.amazonaws\\.com|azure)/serviceaccount/(?:\\.\\.[^/]+/)?token$',
    '^/?var/lib/kubelet/pods/[^/]+/volumes/kubernetes\\.io~projected/[^/]+/(?:\\.\\.[^/]+/)?token$',
    '^/?var/run/secrets/tokens/[^/]+$',
  ],
  tokenReaders: [
    'sh', 'bash', 'dash', 'zsh', 'ash', 'busybox', 'cat', 'head', 'tail', 'less', 'more', 'curl', 'wget', 'nc', 'ncat', 'socat', 'base64', 'xxd', 'od',
    'strings', 'grep', 'egrep', 'awk', 'sed', 'cp', 'mv', 'scp', 'tar', 'dd', 'vi', 'vim', 'nano', 'kubectl', 'python', 'python3', 'perl', 'ruby', 'jq',
  ],
  gpuDevices: ['/dev/nvidia', '/dev/kfd', '/dev/dri/renderD', '/dev/accel/', '/dev/neuron'],
  gpuResource:
    '^(?:nvidia\\.com\\/(?:gpu|gpu\\.shared|mig-[\\w.-]+)|amd\\.com\\/gpu|gpu\\.intel\\.com\\/[\\w.-]+|habana\\.ai\\/gaudi\\w*|aws\\.amazon\\.com\\/neuron(?:core|device)?|google\\.com\\/tpu)$',
  gpuInfrastructure: ['nvidia-device-plugin', 'nvidia-device-plu', 'nv-hostengine', 'dcgm-exporter', 'dcgmi', 'nvidia-smi', 'nvidia-persistenced', 'nvidia-persistenc', 'gpu-feature-discovery', 'gpu-feature-disc', 'nvidia-cuda-mps-control', 'nvidia-cuda-mps-server', 'nvidia-dcgm', 'k8s-device-plugin'],
  inferenceServers: ['tritonserver', 'vllm', 'vllm::enginecore', 'torchserve', 'text-generation-launcher', 'text-generation-server', 'ollama', 'llama-server', 'sglang', 'lmdeploy', 'mlserver', 'bentoml', 'kserve', 'ray::servereplica'],
  inferenceImages: ['vllm', 'tritonserver', 'text-generation-inference', 'torchserve', 'kserve', 'ollama', 'llama.cpp', 'llama-cpp', 'sglang', 'tgi', 'lmdeploy', 'tensorrt-llm', 'huggingface', 'ray-ml', 'mlserver', 'seldon', 'bentoml'],
  apiServerPorts: [443, 6443],
};

/** User additions (`--data FILE`): every list is added to the built-in one; numbers replace. */
export type DetectionDataOverlay = Partial<Omit<DetectionData, 'version'>>;

function mergeList<T>(a: readonly T[], b: readonly T[] | undefined): readonly T[] {
  if (b === undefined || b.length === 0) return a;
  const out = [...a];
  const seen = new Set(a);
  for (const x of b) if (!seen.has(x)) out.push(x);
  return out;
}

export function mergeDetectionData(base: DetectionData, add: DetectionDataOverlay): DetectionData {
  return {
    version: `${base.version}+local`,
    minerNames: mergeList(base.minerNames, add.minerNames?.map((s) => s.toLowerCase())),
    minerHashes: mergeList(base.minerHashes, add.minerHashes?.map((s) => s.toLowerCase())),
    minerFlags: mergeList(base.minerFlags, add.minerFlags),
    stratumSchemes: mergeList(base.stratumSchemes, add.stratumSchemes),
    minerAlgorithms: mergeList(base.minerAlgorithms, add.minerAlgorithms),
    poolDomains: mergeList(base.poolDomains, add.poolDomains),
    poolPorts: mergeList(base.poolPorts, add.poolPorts),
    minerCpuPercent: add.minerCpuPercent ?? base.minerCpuPercent,
    shells: mergeList(base.shells, add.shells),
    packageManagers: mergeList(base.packageManagers, add.packageManagers),
    servers: mergeList(base.servers, add.servers?.map((s) => s.toLowerCase())),
    serverInterpreters: mergeList(base.serverInterpreters, add.serverInterpreters),
    reverseShellPatterns: mergeList(base.reverseShellPatterns, add.reverseShellPatterns),
    dropDirectories: mergeList(base.dropDirectories, add.dropDirectories),
    trustedMemfdNames: mergeList(base.trustedMemfdNames, add.trustedMemfdNames),
    tokenPaths: mergeList(base.tokenPaths, add.tokenPaths),
    tokenReaders: mergeList(base.tokenReaders, add.tokenReaders),
    gpuDevices: mergeList(base.gpuDevices, add.gpuDevices),
    gpuResource: add.gpuResource ?? base.gpuResource,
    gpuInfrastructure: mergeList(base.gpuInfrastructure, add.gpuInfrastructure),
    inferenceServers: mergeList(base.inferenceServers, add.inferenceServers?.map((x) => x.toLowerCase())),
    inferenceImages: mergeList(base.inferenceImages, add.inferenceImages),
    apiServerPorts: mergeList(base.apiServerPorts, add.apiServerPorts),
  };
}

const LIST_KEYS = [
  'minerNames', 'minerHashes', 'minerFlags', 'stratumSchemes', 'minerAlgorithms', 'poolDomains', 'shells', 'packageManagers', 'servers',
  'serverInterpreters', 'dropDirectories', 'trustedMemfdNames', 'tokenPaths', 'tokenReaders', 'gpuDevices', 'gpuInfrastructure', 'inferenceServers', 'inferenceImages',
] as const;

/** Validate a user's data file (parsed JSON). Returns the overlay or the problems found. */
export function parseDetectionOverlay(value: unknown): { ok: true; overlay: DetectionDataOverlay } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, problems: ['the data file must hold a JSON object'] };
  const v = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const known = new Set<string>([...LIST_KEYS, 'poolPorts', 'apiServerPorts', 'minerCpuPercent', 'gpuResource', 'reverseShellPatterns', 'version']);
  for (const k of Object.keys(v)) if (!known.has(k)) problems.push(`unknown key ${JSON.stringify(k)}`);
  for (const k of LIST_KEYS) {
    const x = v[k];
    if (x === undefined) continue;
    if (!Array.isArray(x) || !x.every((s) => typeof s === 'string')) problems.push(`${k} must be a list of strings`);
    else out[k] = x;
  }
  for (const k of ['poolPorts', 'apiServerPorts'] as const) {
    const x = v[k];
    if (x === undefined) continue;
    if (!Array.isArray(x) || !x.every((n) => Number.isInteger(n) && (n as number) > 0 && (n as number) < 65536)) problems.push(`${k} must be a list of TCP ports`);
    else out[k] = x;
  }
  if (v['minerCpuPercent'] !== undefined) {
    if (typeof v['minerCpuPercent'] !== 'number' || !(v['minerCpuPercent'] >= 0)) problems.push('minerCpuPercent must be a number');
    else out['minerCpuPercent'] = v['minerCpuPercent'];
  }
  if (v['gpuResource'] !== undefined) {
    if (typeof v['gpuResource'] !== 'string') problems.push('gpuResource must be a regular expression');
    else out['gpuResource'] = v['gpuResource'];
  }
  const rs = v['reverseShellPatterns'];
  if (rs !== undefined) {
    if (!Array.isArray(rs) || !rs.every((p) => typeof p === 'object' && p !== null && typeof (p as { id?: unknown }).id === 'string' && typeof (p as { pattern?: unknown }).pattern === 'string')) {
      problems.push('reverseShellPatterns must be a list of {id, pattern}');
    } else out['reverseShellPatterns'] = rs;
  }
  for (const k of ['tokenPaths', 'gpuResource'] as const) {
    const pats = k === 'gpuResource' ? (typeof out[k] === 'string' ? [out[k] as string] : []) : ((out[k] as string[] | undefined) ?? []);
    for (const p of pats) {
      try {
        new RegExp(p);
      } catch {
        problems.push(`${k}: ${JSON.stringify(p)} is not a regular expression`);
      }
    }
  }
  for (const p of (out['reverseShellPatterns'] as { pattern: string }[] | undefined) ?? []) {
    try {
      new RegExp(p.pattern, 'i');
    } catch {
      problems.push(`reverseShellPatterns: ${JSON.stringify(p.pattern)} is not a regular expression`);
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, overlay: out as DetectionDataOverlay };
}
