/**
 * Rule cases for the `image/*` rules, run end to end through the engine by the registry meta-test:
 * each case is a folder holding one docker-archive tarball (`image.tar`) built by
 * test-fixtures/oci-image-builder.ts, found by content and scanned layer by layer. Test-only.
 */
import type { RuleCases } from '../rules/index.js';
import { ruleCases } from '../rules/index.js';
import type { ImageSpec } from '../../test-fixtures/oci-image-builder.js';
import { BASE_MEMBERS, DISTROLESS_MEMBERS, HARDENED_CONFIG, buildImage, dockerArchive } from '../../test-fixtures/oci-image-builder.js';

const image = (spec: ImageSpec) => ({ 'image.tar': () => dockerArchive(buildImage(spec)) });
const clean = (extra: ImageSpec['layers'] = [], config: Record<string, unknown> = HARDENED_CONFIG, name?: string) => image({ config, layers: [{ members: DISTROLESS_MEMBERS }, ...extra], ...(name !== undefined && { name }) });
const SITE = 'usr/lib/python3/dist-packages';

export const IMAGE_RULE_CASES: readonly RuleCases[] = [
  ruleCases('image/root-user', {
    valid: [{ name: 'numeric non-root user', files: clean() }],
    invalid: [
      { name: 'no User', files: clean([], { ...HARDENED_CONFIG, User: '' }), expect: { severity: 'medium', messageIncludes: 'sets no User' } },
      { name: 'User root', files: clean([], { ...HARDENED_CONFIG, User: 'root' }), expect: { messageIncludes: '"root"' } },
    ],
  }),
  ruleCases('image/secret-in-config-env', {
    valid: [{ name: 'placeholders and references', files: clean([], { ...HARDENED_CONFIG, Env: ['HF_TOKEN=changeme', 'OPENAI_API_KEY=$OPENAI_API_KEY', 'LOG_LEVEL=info'] }) }],
    invalid: [
      { name: 'Hugging Face token', files: clean([], { ...HARDENED_CONFIG, Env: [`HF_TOKEN=hf_${'aBcDeFgHiJ'.repeat(4)}`] }), expect: { severity: 'critical', messageIncludes: 'Hugging Face' } },
      { name: 'literal password', files: clean([], { ...HARDENED_CONFIG, Env: ['DB_PASSWORD=s3cr3t-passw0rd'] }), expect: { severity: 'high' } },
    ],
  }),
  ruleCases('image/ai-port-exposed', {
    valid: [{ name: 'an ordinary web port', files: clean([], { ...HARDENED_CONFIG, ExposedPorts: { '443/tcp': {} } }) }],
    invalid: [
      { name: 'Jupyter', files: clean([], { ...HARDENED_CONFIG, ExposedPorts: { '8888/tcp': {} } }), expect: { severity: 'medium', messageIncludes: 'Jupyter' } },
      { name: 'vLLM API', files: clean([], { ...HARDENED_CONFIG, ExposedPorts: { '8000/tcp': {} } }), expect: { severity: 'low' } },
    ],
  }),
  ruleCases('image/entrypoint-writable-script', {
    valid: [{ name: 'entrypoint under /usr/bin', files: clean() }],
    invalid: [
      { name: 'script under /tmp', files: clean([{ members: [{ name: 'tmp/start.sh', data: '#!/bin/sh\n', mode: 0o755 }] }], { ...HARDENED_CONFIG, Entrypoint: ['/bin/sh', '-c', '/tmp/start.sh'] }), expect: { messageIncludes: '/tmp/start.sh' } },
      { name: 'world-writable script', files: clean([{ members: [{ name: 'app/', type: '5', mode: 0o755 }, { name: 'app/run.sh', data: '#!/bin/sh\n', mode: 0o777 }] }], { ...HARDENED_CONFIG, Entrypoint: ['/app/run.sh'] }), expect: { messageIncludes: 'world-writable' } },
    ],
  }),
  ruleCases('image/no-healthcheck', {
    valid: [{ name: 'a health check', files: clean() }],
    invalid: [{ name: 'none', files: clean([], { User: '65532' }), expect: { severity: 'low' } }],
  }),
  ruleCases('image/shell-present', {
    valid: [{ name: 'distroless', files: clean() }],
    invalid: [
      { name: 'Debian-like base', files: image({ config: HARDENED_CONFIG, layers: [{ members: BASE_MEMBERS }] }), expect: { severity: 'low', messageIncludes: '/bin/sh' } },
      { name: 'production policy', files: image({ config: HARDENED_CONFIG, layers: [{ members: BASE_MEMBERS }] }), options: { policy: 'production' }, expect: { severity: 'medium' } },
    ],
  }),
  ruleCases('image/package-manager-present', {
    valid: [{ name: 'distroless', files: clean() }],
    invalid: [{ name: 'apt-get', files: image({ config: HARDENED_CONFIG, layers: [{ members: BASE_MEMBERS }] }), expect: { messageIncludes: 'apt' } }],
  }),
  ruleCases('image/setuid-binary', {
    valid: [{ name: 'ordinary executables', files: clean([{ members: [{ name: 'usr/local/bin/tool', data: '\x7fELF', mode: 0o755 }] }]) }],
    invalid: [
      { name: 'setuid shell', files: clean([{ members: [{ name: 'usr/local/bin/bash', data: '\x7fELF', mode: 0o4755 }] }]), expect: { severity: 'high', messageIncludes: 'root shell' } },
      { name: 'setgid tool', files: clean([{ members: [{ name: 'usr/bin/wall', data: '\x7fELF', mode: 0o2755 }] }]), expect: { severity: 'medium', messageIncludes: 'setgid' } },
    ],
  }),
  ruleCases('image/world-writable-path-dir', {
    valid: [{ name: 'sticky /tmp is not in PATH; PATH folders 0755', files: clean() }],
    invalid: [{ name: 'PATH folder 0777', files: clean([{ members: [{ name: 'opt/bin/', type: '5', mode: 0o777 }] }], { ...HARDENED_CONFIG, Env: ['PATH=/opt/bin:/usr/bin'] }), expect: { messageIncludes: '/opt/bin' } }],
  }),
  ruleCases('image/secret-in-layer', {
    valid: [{ name: 'ordinary configuration files', files: clean([{ members: [{ name: 'app/config.yaml', data: 'model: gpt2\nport: 8080\n' }] }]) }],
    invalid: [
      { name: 'a Hugging Face token file deleted later', files: clean([{ members: [{ name: 'root/.cache/huggingface/token', data: `hf_${'aBcDeFgHiJ'.repeat(4)}` }] }, { members: [{ name: 'root/.cache/huggingface/.wh.token' }] }]), expect: { severity: 'critical', messageIncludes: 'deleted in layer 2' } },
      { name: 'a private key', files: clean([{ members: [{ name: 'app/key.pem', data: '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n' }] }]), expect: { messageIncludes: 'private key' } },
    ],
  }),
  ruleCases('image/git-folder', {
    valid: [{ name: 'no .git', files: clean([{ members: [{ name: 'app/main.py', data: 'print(1)\n' }] }]) }],
    invalid: [{ name: '.git copied in', files: clean([{ members: [{ name: 'app/.git/HEAD', data: 'ref: refs/heads/main\n' }] }]), expect: { messageIncludes: '/app/.git' } }],
  }),
  ruleCases('image/miner-binary', {
    valid: [{ name: 'an ordinary executable', files: clean([{ members: [{ name: 'usr/local/bin/server', data: '\x7fELF server', mode: 0o755 }] }]) }],
    invalid: [
      { name: 'xmrig by name', files: clean([{ members: [{ name: 'opt/xmrig', data: '\x7fELF', mode: 0o755 }] }]), expect: { severity: 'critical', messageIncludes: 'xmrig' } },
      { name: 'pool marker in an executable', files: clean([{ members: [{ name: 'usr/local/bin/kworker', data: '\x7fELF..stratum+tcp://pool:3333', mode: 0o755 }] }]), expect: { messageIncludes: 'stratum+tcp://' } },
    ],
  }),
  ruleCases('image/binary-in-tmp', {
    valid: [{ name: 'a text file in /tmp', files: clean([{ members: [{ name: 'tmp/notes.txt', data: 'hello\n' }] }]) }],
    invalid: [{ name: 'ELF in /dev/shm', files: clean([{ members: [{ name: 'dev/shm/.x', data: '\x7fELF' }] }]), expect: { messageIncludes: 'ELF executable' } }],
  }),
  ruleCases('image/pth-startup-hook', {
    valid: [{ name: 'path lines and setuptools\' hook', files: clean([{ members: [{ name: `${SITE}/extra.pth`, data: '/opt/lib\n' }, { name: `${SITE}/distutils-precedence.pth`, data: "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; x = 1\n" }] }]) }],
    invalid: [{ name: 'import line', files: clean([{ members: [{ name: `${SITE}/zz.pth`, data: 'import base64,os;exec(base64.b64decode("cHJpbnQoMSk="))\n' }] }]), expect: { severity: 'high', messageIncludes: 'every Python start-up' } }],
  }),
  ruleCases('image/disguised-ai-image', {
    valid: [{ name: 'a vLLM image with vllm installed', files: clean([{ members: [{ name: 'usr/local/lib/python3.12/dist-packages/vllm/__init__.py', data: '' }] }], { ...HARDENED_CONFIG, Entrypoint: ['python3', '-m', 'vllm.entrypoints.openai.api_server'] }, 'vllm/vllm-openai:v0.6.0') }],
    invalid: [
      { name: 'named pytorch, no torch', files: clean([], HARDENED_CONFIG, 'pytorch/pytorch:latest'), expect: { messageIncludes: 'no torch Python package' } },
      { name: 'TensorFlow label, no tensorflow', files: clean([], { ...HARDENED_CONFIG, Labels: { 'org.opencontainers.image.title': 'tensorflow-gpu' } }), expect: { messageIncludes: 'TensorFlow' } },
    ],
  }),
  ruleCases('image/unsafe-layer-entry', {
    valid: [{ name: 'relative names, symbolic links inside', files: clean([{ members: [{ name: 'app/', type: '5' }, { name: 'app/current', type: '2', linkName: '../opt/app' }] }]) }],
    invalid: [
      { name: '../ escape', files: clean([{ members: [{ name: '../../etc/cron.d/x', data: 'x' }] }]), expect: { severity: 'high', messageIncludes: 'leaves the image root' } },
      { name: 'a device node', files: clean([{ members: [{ name: 'dev/kmem', type: '3' }] }]), expect: { messageIncludes: 'device node' } },
      { name: 'a hard link out of the image', files: clean([{ members: [{ name: 'x', type: '1', linkName: '/etc/shadow' }] }]), expect: { messageIncludes: 'hard link' } },
    ],
  }),
];
