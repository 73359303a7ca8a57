/** Credentials written into ARG or ENV (they stay in the image's config and history). */
import { cloudKeyOf, PROVIDER_NAME, redact, secretLikeName, secretLikeValue } from '../../k8s-manifests/index.js';
import { at, dockerfile, dockerfileRule, fires, locate, PINNED, silent } from '../model.js';
import { keyValues } from '../parse.js';

const PLACEHOLDER = /^(?:<[^>]*>|\{\{[^}]*\}\}|changeme|change-?me|replace-?me|todo|tbd|x{3,}|\*{3,}|dummy|example|placeholder|secret|password|token|none|null|nil|false|true|disabled|n\/a)$/i;
/** A value that only refers to another variable (`$HF_TOKEN`, `${TOKEN}`): it bakes that build argument in. */
const REFERENCE = /^\$\{?[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}?$/;

export const secretInArgEnv = dockerfileRule({
  id: 'dockerfile/secret-in-arg-env',
  title: 'Secret in an ARG or ENV instruction',
  severity: 'high',
  description:
    'A credential is written into the Dockerfile as an ARG default or an ENV value, or passed through one. ENV values are stored in the image configuration and visible to anyone who can pull the image (`docker inspect`) and in every container\u2019s environment; ARG values used by a RUN are recorded in the image history and build cache metadata (`docker history`). A value that has the format of a live credential (an AWS or Alibaba key id, a Google Cloud service-account key, a Hugging Face, OpenAI, Anthropic, GitHub, GitLab, Slack, Google API or NVIDIA NGC token, a private key) is critical; another literal value under a secret-like name (HF_TOKEN, AWS_SECRET_ACCESS_KEY, *_API_KEY, *_PASSWORD) is high; a secret-like ARG without a value, or an ENV that copies a build argument into the image (`ENV HF_TOKEN=$HF_TOKEN`), is medium: the value given with `--build-arg` still ends up in the image\u2019s metadata.',
  remediation:
    'Revoke and rotate a credential that was committed. Pass build-time secrets with BuildKit secret mounts, which are never stored in the image: `RUN --mount=type=secret,id=hf_token HF_TOKEN=$(cat /run/secrets/hf_token) huggingface-cli download …` and `docker build --secret id=hf_token,env=HF_TOKEN .`; give runtime credentials to the container at run time (a Kubernetes Secret, a workload identity), never in ENV.',
  references: ['https://docs.docker.com/build/building/secrets/', 'https://docs.docker.com/reference/build-checks/secrets-used-in-arg-or-env/', 'https://huggingface.co/docs/hub/security-tokens'],
  tags: ['dockerfile', 'secrets', 'credentials'],
  maturity: 'stable',
  check({ file, path }, report) {
    for (const ins of file.instructions) {
      if (ins.keyword !== 'ARG' && ins.keyword !== 'ENV') continue;
      for (const kv of keyValues(ins)) {
        const v = (kv.value ?? '').trim();
        const byName = secretLikeName(kv.name);
        if (v === '') {
          if (byName && ins.keyword === 'ARG') {
            report({ location: locate(path, kv.namePos), severity: 'medium', message: `ARG ${kv.name} looks like a secret: build arguments are recorded in the image history; use a secret mount`, evidence: `ARG ${kv.name}` });
          }
          continue;
        }
        if (PLACEHOLDER.test(v)) continue;
        if (REFERENCE.test(v)) {
          if (ins.keyword === 'ENV' && (byName || secretLikeName(v.replace(/[${}]/g, '').replace(/:-.*$/, '')))) {
            report({ location: locate(path, kv.valuePos), severity: 'medium', message: `ENV ${kv.name}=${v.slice(0, 60)} copies a build argument into the image configuration`, evidence: `${kv.name}=${v.slice(0, 60)}` });
          }
          continue;
        }
        if (v.includes('$')) continue;
        const cloud = cloudKeyOf(kv.name, v);
        const format = secretLikeValue(v);
        if (cloud !== undefined || format !== undefined) {
          const what = cloud !== undefined ? `${cloud.what} (${PROVIDER_NAME[cloud.provider]})` : (format ?? 'a credential');
          report({ location: locate(path, kv.valuePos), severity: 'critical', message: `${ins.keyword} ${kv.name} holds ${what}: it is stored in the image for anyone who can pull it`, evidence: `${kv.name}=${redact(v)}` });
        } else if (byName && v.length >= 8) {
          report({ location: locate(path, kv.valuePos), message: `${ins.keyword} ${kv.name} is set to a literal value: it is stored in the image for anyone who can pull it`, evidence: `${kv.name}=${redact(v)}` });
        }
      }
    }
  },
  cases: () => ({
    invalid: [
      fires('HF token in ENV', dockerfile(`FROM ${PINNED}`, `ENV HF_TOKEN=hf_${'aBcDeFgHiJ'.repeat(4)}`, 'USER 10001'), at(2, 14, { severity: 'critical', messageIncludes: 'Hugging Face', evidenceIncludes: '(43 characters)' })),
      fires('AWS key id as ARG default', dockerfile('ARG AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE', `FROM ${PINNED}`, 'USER 10001'), at(1, 23, { severity: 'critical', messageIncludes: 'AWS' })),
      fires('OpenAI key, legacy ENV form', dockerfile(`FROM ${PINNED}`, 'ENV OPENAI_API_KEY sk-proj-abcdefghijklmnopqrstuvwxyz012345', 'USER 10001'), at(2, 20, { severity: 'critical' })),
      fires('literal password under a secret name', dockerfile(`FROM ${PINNED}`, 'ENV DB_PASSWORD="s3cr3t-passw0rd" LOG_LEVEL=info', 'USER 10001'), at(2, 17, { severity: 'high' })),
      fires('secret-like ARG without a value', dockerfile(`FROM ${PINNED}`, 'ARG HF_TOKEN', 'RUN huggingface-cli login --token $HF_TOKEN', 'USER 10001'), at(2, 5, { severity: 'medium' })),
      fires('ENV copies a build argument', dockerfile(`FROM ${PINNED}`, 'ARG TOKEN_FROM_CI', 'ENV HF_TOKEN=${TOKEN_FROM_CI}', 'USER 10001'), at(3, 14, { severity: 'medium' })),
    ],
    valid: [
      silent('names that are not secrets', dockerfile(`FROM ${PINNED}`, 'ARG MAX_NEW_TOKENS=4096', 'ENV TOKENIZERS_PARALLELISM=false HF_TOKEN_PATH=/run/secrets/hf HF_HOME=/models', 'USER 10001')),
      silent('secret mount', dockerfile('# syntax=docker/dockerfile:1', `FROM ${PINNED}`, 'RUN --mount=type=secret,id=hf_token HF_TOKEN=$(cat /run/secrets/hf_token) huggingface-cli download org/model --revision 0123456789abcdef0123456789abcdef01234567', 'USER 10001')),
      silent('placeholders', dockerfile(`FROM ${PINNED}`, 'ENV API_KEY=changeme DB_PASSWORD=<set-at-runtime>', 'USER 10001')),
    ],
  }),
});
