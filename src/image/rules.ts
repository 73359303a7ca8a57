/**
 * The `image/*` rules: container images scanned layer by layer (OCI image layouts, docker-archive
 * tarballs, `oci://REF`). The checks live in scan.ts and checks.ts; each finding is located with an
 * `image-layer` location (the image, the layer index and digest, the file). See docs/images.md.
 */
import { defineRule, defineRuleSet } from '../rules/index.js';

const REFS = ['docs/images.md', 'https://github.com/opencontainers/image-spec/blob/main/layer.md', 'https://github.com/opencontainers/image-spec/blob/main/config.md'];

export const rootUser = defineRule({
  id: 'image/root-user',
  title: 'Image runs as root',
  severity: 'medium',
  description: 'The image configuration has no `User`, or names root (`root`, `0`, `0:0`). A container from it runs as root unless the orchestrator overrides the user; a compromised inference server or notebook then owns the container\'s filesystem and is one kernel or runtime bug away from the node.',
  remediation: 'Create an unprivileged user in the image and end the Dockerfile with `USER 10001` (a numeric id, so Kubernetes `runAsNonRoot` can check it); also set `runAsNonRoot: true` in the pod.',
  references: [...REFS, 'https://docs.docker.com/build/building/best-practices/#user'],
  tags: ['image', 'config', 'least-privilege'],
  maturity: 'incubating',
});

export const secretInConfigEnv = defineRule({
  id: 'image/secret-in-config-env',
  title: 'Secret in the image configuration\'s environment',
  severity: 'high',
  description: 'The image configuration\'s `Env` holds a credential: a value in the format of a live token or key (Hugging Face, OpenAI, AWS, GitHub, a private key) is critical, a literal value under a secret-like name (`HF_TOKEN`, `*_API_KEY`, `*_PASSWORD`) is high. Anyone who can pull the image reads it with `docker inspect`, and every container gets it.',
  remediation: 'Revoke and rotate the credential. Remove the ENV from the Dockerfile and rebuild; pass build secrets with `RUN --mount=type=secret` and runtime secrets from a Kubernetes Secret or a workload identity.',
  references: [...REFS, 'https://docs.docker.com/build/building/secrets/'],
  tags: ['image', 'config', 'secrets', 'credentials'],
  maturity: 'incubating',
});

export const aiPortExposed = defineRule({
  id: 'image/ai-port-exposed',
  title: 'Image exposes an AI service port',
  severity: 'medium',
  description: 'The image configuration exposes a port of an AI service that has no authentication by default (Jupyter 8888, TensorBoard 6006, Ollama 11434, the Ray dashboard 8265 and client 10001, MLflow 5000, TorchServe management 8081): medium. Ports of inference APIs (vLLM 8000, Triton 8001/8002, TGI/TorchServe 8080, Gradio 7860) are low: they are meant to be served, but only behind authentication. Exposed AI services are the most common entry point of attacks on AI clusters (ShadowRay, exposed Jupyter and Ollama servers).',
  remediation: 'Remove the EXPOSE of services that must not be reachable, bind them to 127.0.0.1, or put them behind an authenticating proxy; restrict the pod with a NetworkPolicy.',
  references: [...REFS, 'https://www.oligo.security/blog/shadowray-attack-ai-workloads-actively-exploited-in-the-wild'],
  tags: ['image', 'config', 'network', 'ai'],
  maturity: 'incubating',
});

export const entrypointWritableScript = defineRule({
  id: 'image/entrypoint-writable-script',
  title: 'Entrypoint runs a script from a writable path',
  severity: 'high',
  description: 'The image\'s entrypoint or command runs a script (or program) from a world-writable place: `/tmp`, `/var/tmp`, `/dev/shm`, or a file or folder that is world-writable in the image. Whoever can write there (any process in the container, a shared volume) decides what the container runs at its next start; droppers hide their payload exactly there.',
  remediation: 'Install the entrypoint script under a root-owned, read-only path (`/usr/local/bin`, mode 0755) and run it from there; mount `/tmp` as an emptyDir and use `readOnlyRootFilesystem: true`.',
  references: REFS,
  tags: ['image', 'config', 'persistence'],
  maturity: 'incubating',
});

export const noHealthcheck = defineRule({
  id: 'image/no-healthcheck',
  title: 'Image has no health check',
  severity: 'low',
  description: 'The image configuration has no `Healthcheck`. Plain Docker and Compose cannot tell a hung inference server from a working one. Kubernetes ignores image health checks; give the pod liveness and readiness probes instead (then this finding can be disabled).',
  remediation: 'Add `HEALTHCHECK CMD …` to the Dockerfile (for example a request to the server\'s /health endpoint), or disable this rule where Kubernetes probes are used.',
  references: [...REFS, 'https://docs.docker.com/reference/dockerfile/#healthcheck'],
  tags: ['image', 'config', 'availability'],
  maturity: 'incubating',
});

export const shellPresent = defineRule({
  id: 'image/shell-present',
  title: 'Image contains a shell',
  severity: 'low',
  description: 'The image\'s filesystem has a shell (`/bin/sh`, `/bin/bash`, busybox). It is not a minimal or distroless image: an attacker with code execution gets an interactive foothold and every living-off-the-land tool a shell gives. Low by default; medium with `--policy production`.',
  remediation: 'Build the runtime stage on a distroless or scratch base (`gcr.io/distroless/python3`, `cgr.dev/chainguard/python`) and copy only the application and its packages into it.',
  references: [...REFS, 'https://github.com/GoogleContainerTools/distroless'],
  tags: ['image', 'filesystem', 'hardening'],
  maturity: 'incubating',
});

export const packageManagerPresent = defineRule({
  id: 'image/package-manager-present',
  title: 'Image contains a package manager',
  severity: 'low',
  description: 'The image\'s filesystem has a package manager (apt, dpkg, apk, yum/dnf, rpm, pip, conda). Whoever runs code in the container can install tools, and scanners that read package databases cannot tell what was added at run time. Low by default; medium with `--policy production`.',
  remediation: 'Install packages in a build stage and copy the result into a runtime stage without the package manager (multi-stage build on a distroless base); at least remove pip from inference images.',
  references: REFS,
  tags: ['image', 'filesystem', 'hardening'],
  maturity: 'incubating',
});

export const setuidBinary = defineRule({
  id: 'image/setuid-binary',
  title: 'Setuid or setgid executable in the image',
  severity: 'medium',
  description: 'A regular file in a layer has the setuid or setgid bit. Setuid programs are how a process in the container becomes root again (or another user); a setuid shell or interpreter is a root shell for anyone who can run it and is high. The finding names the layer and the path; a file removed in a later layer is still reported (it stays in the image\'s layers).',
  remediation: 'Remove the bit in the Dockerfile (`RUN chmod u-s,g-s /path`) or the program; run containers with `allowPrivilegeEscalation: false` so setuid cannot raise privileges.',
  references: [...REFS, 'https://kubernetes.io/docs/concepts/security/pod-security-standards/'],
  tags: ['image', 'filesystem', 'privilege-escalation'],
  maturity: 'incubating',
});

export const worldWritablePathDir = defineRule({
  id: 'image/world-writable-path-dir',
  title: 'World-writable folder in PATH',
  severity: 'high',
  description: 'A folder listed in the image\'s `PATH` is world-writable (without the sticky bit) in the image\'s final filesystem. Any process in the container can put a program there that shadows `python`, `sh` or `nvidia-smi` for every later command.',
  remediation: 'Make PATH folders owned by root with mode 0755 (`RUN chmod 0755 /dir`), and drop writable folders from PATH.',
  references: REFS,
  tags: ['image', 'filesystem', 'persistence'],
  maturity: 'incubating',
});

export const secretInLayer = defineRule({
  id: 'image/secret-in-layer',
  title: 'Secret or private key in an image layer',
  severity: 'critical',
  description: 'A file in a layer holds a private key or a token (Hugging Face, OpenAI, Anthropic, AWS, GitHub, GitLab, Slack, Google, NVIDIA), or is a credentials file (`.aws/credentials`, `.netrc`, `.git-credentials`, `.docker/config.json`, a Hugging Face token file). Deleting the file in a later layer does not remove it: every layer is part of the image and anyone who can pull it can read it, so the finding names the layer that holds it and says when a later layer hides it.',
  remediation: 'Revoke and rotate the credential now. Rebuild without it: use BuildKit secret mounts (`RUN --mount=type=secret,id=hf_token …`) instead of COPY or ENV, squash nothing to hide it (history keeps it), and delete the old image tags and digests from the registry.',
  references: [...REFS, 'https://docs.docker.com/build/building/secrets/'],
  tags: ['image', 'filesystem', 'secrets', 'credentials'],
  maturity: 'incubating',
});

export const gitFolder = defineRule({
  id: 'image/git-folder',
  title: 'Git repository in the image',
  severity: 'medium',
  description: 'A `.git` folder was copied into the image (`COPY . .` without a .dockerignore). Its history can hold deleted secrets, internal URLs and credentials in `.git/config`.',
  remediation: 'Add `.git` to `.dockerignore` and rebuild; check the history that was shipped for secrets.',
  references: [...REFS, 'https://docs.docker.com/build/concepts/context/#dockerignore-files'],
  tags: ['image', 'filesystem', 'secrets'],
  maturity: 'incubating',
});

export const minerBinary = defineRule({
  id: 'image/miner-binary',
  title: 'Cryptocurrency miner in the image',
  severity: 'critical',
  description: 'A file in a layer is a known cryptocurrency miner: its name (xmrig, t-rex, nbminer, lolminer, …), its SHA-256, or mining-pool markers inside an executable (`stratum+tcp://`). GPU images are the favourite target of cryptojacking; a miner in an image is a compromised build or a poisoned base image.',
  remediation: 'Do not run the image. Find where the layer came from (base image, build step), rebuild from trusted sources, and rotate any credential the build could read.',
  references: [...REFS, 'https://attack.mitre.org/techniques/T1496/'],
  tags: ['image', 'filesystem', 'malware'],
  maturity: 'incubating',
});

export const binaryInTmp = defineRule({
  id: 'image/binary-in-tmp',
  title: 'Executable under /tmp in the image',
  severity: 'high',
  description: 'An ELF executable (or a file with an execute bit) sits under `/tmp`, `/var/tmp` or `/dev/shm` in a layer. Nothing a package manager installs lives there; droppers and miners do.',
  remediation: 'Find the build step that left it, remove it, and clean temporary folders in the same RUN that creates files there.',
  references: REFS,
  tags: ['image', 'filesystem', 'malware'],
  maturity: 'incubating',
});

export const pthStartupHook = defineRule({
  id: 'image/pth-startup-hook',
  title: 'Python .pth file runs code at start-up',
  severity: 'high',
  description: 'A `.pth` file in a site-packages folder has a line that starts with `import`: Python\'s `site` module executes such lines in every interpreter that starts, before any of the application\'s code (a documented persistence technique, used by malicious packages). Known benign hooks (setuptools\' distutils-precedence.pth, virtualenv\'s) are not reported.',
  remediation: 'Find the package that installed the file (`pip show -f`), remove it and the file, and rebuild; pin dependencies with hashes (`pip install --require-hashes`).',
  references: [...REFS, 'https://docs.python.org/3/library/site.html', 'https://attack.mitre.org/techniques/T1546/018/'],
  tags: ['image', 'filesystem', 'persistence', 'python'],
  maturity: 'incubating',
});

export const disguisedAiImage = defineRule({
  id: 'image/disguised-ai-image',
  title: 'Image claims to be an AI base image but is not',
  severity: 'high',
  description: 'The image says it is PyTorch, TensorFlow, vLLM or Triton (its repository name or its OCI labels), but its filesystem does not hold what such an image holds (no torch package, no tritonserver binary), or its entrypoint runs something else. Attackers publish look-alike images under trusted names so that users pull a miner or a backdoor instead of the framework.',
  remediation: 'Pull AI base images only from their publishers (pytorch/pytorch, nvcr.io/nvidia/…, vllm/vllm-openai) by digest, verify their signatures, and remove the look-alike from your registries.',
  references: REFS,
  tags: ['image', 'supply-chain', 'ai'],
  maturity: 'incubating',
});

export const unsafeLayerEntry = defineRule({
  id: 'image/unsafe-layer-entry',
  title: 'Hostile tar member in an image layer',
  severity: 'high',
  description: 'A member of a layer tar names a path outside the image root (`../`, an absolute path), is a hard link to a path outside the image, is a device node, or has a header too large to read (a huge pax or long-name header). Container runtimes and unpackers have had escapes through each of these. Bulwark never follows or writes such members; it reports them and goes on with the layer.',
  remediation: 'Do not run or unpack the image with tools you have not checked against these tricks; find where the layer came from and rebuild it with ordinary relative paths.',
  references: [...REFS, 'https://github.com/opencontainers/umoci/security/advisories'],
  tags: ['image', 'supply-chain', 'path-traversal'],
  maturity: 'incubating',
});

export const IMAGE_RULES = [rootUser, secretInConfigEnv, aiPortExposed, entrypointWritableScript, noHealthcheck, shellPresent, packageManagerPresent, setuidBinary, worldWritablePathDir, secretInLayer, gitFolder, minerBinary, binaryInTmp, pthStartupHook, disguisedAiImage, unsafeLayerEntry] as const;

/** The image domain's one rule set. */
export const IMAGE_RULESET = defineRuleSet('image', ['image'], IMAGE_RULES);
