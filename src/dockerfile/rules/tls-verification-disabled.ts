/** TLS verification turned off for downloads: pip --trusted-host, curl -k, wget --no-check-certificate, git/npm settings. */
import { at, dockerfile, dockerfileRule, fires, locate, PINNED, silent } from '../model.js';
import { keyValues } from '../parse.js';
import type { SimpleCommand } from '../shell.js';
import { commandIndex, optionValue, pipSubcommand, positionOf, runScripts } from '../shell.js';

function insecureWord(c: SimpleCommand): { index: number; what: string } | undefined {
  if (pipSubcommand(c) >= 0) {
    const t = optionValue(c, ['--trusted-host']);
    if (t !== undefined) return { index: t.index, what: `pip trusts ${(t.value ?? 'a host').slice(0, 100)} without TLS verification (--trusted-host)` };
    const cfg = c.words.findIndex((w) => /^(?:global|install)\.trusted-host$/.test(w.value));
    if (cfg >= 0) return { index: cfg, what: 'pip config sets trusted-host: TLS verification is off for that host' };
  }
  if (commandIndex(c, (w) => w === 'curl') >= 0) {
    const k = c.words.findIndex((w) => w.value === '--insecure' || /^-[a-zA-Z]*k[a-zA-Z]*$/.test(w.value));
    if (k >= 0) return { index: k, what: 'curl downloads without verifying the server certificate (-k/--insecure)' };
  }
  if (commandIndex(c, (w) => w === 'wget') >= 0) {
    const k = c.words.findIndex((w) => w.value === '--no-check-certificate');
    if (k >= 0) return { index: k, what: 'wget downloads without verifying the server certificate (--no-check-certificate)' };
  }
  const gi = commandIndex(c, (w) => w === 'git');
  if (gi >= 0) {
    const k = c.words.findIndex((w) => /^http(?:\..*)?\.sslverify(?:=false)?$/i.test(w.value) || /sslverify=false/i.test(w.value));
    if (k >= 0 && c.words.slice(k).some((w) => /false$/i.test(w.value))) return { index: k, what: 'git is configured not to verify server certificates (http.sslVerify false)' };
  }
  const ni = commandIndex(c, (w) => w === 'npm' || w === 'yarn' || w === 'pnpm');
  if (ni >= 0) {
    const k = c.words.findIndex((w) => /^(?:--)?strict-ssl(?:=false)?$/.test(w.value));
    if (k >= 0 && c.words.slice(k).some((w) => /false$/.test(w.value))) return { index: k, what: 'npm is configured not to verify registry certificates (strict-ssl false)' };
  }
  return undefined;
}

const INSECURE_ENV: ReadonlyMap<string, (v: string) => boolean> = new Map([
  ['PIP_TRUSTED_HOST', (v: string) => v.trim() !== ''],
  ['GIT_SSL_NO_VERIFY', (v: string) => v.trim() !== '' && !/^(?:0|false)$/i.test(v.trim())],
  ['NODE_TLS_REJECT_UNAUTHORIZED', (v: string) => v.trim() === '0'],
  ['PYTHONHTTPSVERIFY', (v: string) => v.trim() === '0'],
  ['CURL_CA_BUNDLE', (v: string) => v.trim() === ''],
]);

export const tlsVerificationDisabled = dockerfileRule({
  id: 'dockerfile/tls-verification-disabled',
  title: 'Downloads without TLS certificate verification',
  severity: 'medium',
  description:
    'The build turns off certificate verification for what it downloads: `pip --trusted-host` (or `PIP_TRUSTED_HOST`, `pip config set global.trusted-host`), `curl -k`/`--insecure`, `wget --no-check-certificate`, `git config http.sslVerify false` (or `GIT_SSL_NO_VERIFY`), `npm config set strict-ssl false`, `NODE_TLS_REJECT_UNAUTHORIZED=0`, `PYTHONHTTPSVERIFY=0`. Anyone on the network path (a proxy, a compromised DNS resolver, a Wi-Fi network of a build machine) can then serve the packages, models or scripts the build installs. In ENV the setting also stays on in every container of the image.',
  remediation:
    'Remove the option and give the tools the certificate authority they need instead: copy the internal CA into the image and run `update-ca-certificates`, or point the tool at it (`PIP_CERT`, `REQUESTS_CA_BUNDLE`, `curl --cacert`, `git config http.sslCAInfo`, `NODE_EXTRA_CA_CERTS`).',
  references: ['https://pip.pypa.io/en/stable/cli/pip/#cmdoption-trusted-host', 'https://pip.pypa.io/en/stable/topics/https-certificates/', 'https://cwe.mitre.org/data/definitions/295.html'],
  tags: ['dockerfile', 'supply-chain', 'tls'],
  maturity: 'stable',
  check({ file, path }, report) {
    for (const ins of file.instructions) {
      if (ins.keyword === 'ENV' || ins.keyword === 'ARG') {
        for (const kv of keyValues(ins)) {
          const bad = INSECURE_ENV.get(kv.name);
          if (bad !== undefined && kv.value !== undefined && bad(kv.value)) {
            report({ location: locate(path, kv.namePos), message: `${ins.keyword} ${kv.name}=${kv.value.slice(0, 80)} turns off TLS certificate verification` });
          }
        }
      }
      if (ins.keyword !== 'RUN') continue;
      for (const script of runScripts(ins)) {
        for (const c of script.commands) {
          const hit = insecureWord(c);
          if (hit !== undefined) report({ location: locate(path, positionOf(script, c.words[hit.index])), message: hit.what });
        }
      }
    }
  },
  cases: () => ({
    invalid: [
      fires('pip --trusted-host', dockerfile(`FROM ${PINNED}`, 'RUN pip install --no-cache-dir --trusted-host pypi.internal -i http://pypi.internal/simple ml-utils', 'USER 10001'), at(2, 32, { messageIncludes: 'trusted-host' })),
      fires('curl -fsSLk', dockerfile(`FROM ${PINNED}`, 'RUN curl -fsSLk -o /tmp/x.tgz https://example.com/x.tgz', 'USER 10001'), at(2, 10, { messageIncludes: 'curl' })),
      fires('PIP_TRUSTED_HOST', dockerfile(`FROM ${PINNED}`, 'ENV PIP_TRUSTED_HOST=pypi.internal', 'USER 10001'), at(2, 5)),
      fires('git sslVerify false', dockerfile(`FROM ${PINNED}`, 'RUN git config --global http.sslVerify false', 'USER 10001'), at(2, 25)),
    ],
    valid: [
      silent('verified downloads', dockerfile(`FROM ${PINNED}`, 'RUN pip install --no-cache-dir --cert /etc/ssl/internal.pem -i https://pypi.internal/simple ml-utils', 'RUN curl -fsSL -o /tmp/k https://example.com/k', 'USER 10001')),
      silent('curl with an option that contains k in a value', dockerfile(`FROM ${PINNED}`, 'RUN curl --keepalive-time 5 -fsSL https://example.com -o /tmp/x', 'USER 10001')),
    ],
  }),
});
