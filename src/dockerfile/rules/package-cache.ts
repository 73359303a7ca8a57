/** Package-manager caches and indexes left in the runtime image's layers. */
import { at, dockerfile, dockerfileRule, finalStage, fires, locate, PINNED, silent } from '../model.js';
import type { Instruction } from '../parse.js';
import { keyValues } from '../parse.js';
import type { Script, SimpleCommand } from '../shell.js';
import { commandIndex, optionValue, pipSubcommand, runScripts } from '../shell.js';

interface Manager {
  readonly name: string;
  /** The word index of an install command of this manager in `c`, or -1. */
  install(c: SimpleCommand): number;
  /** The install command itself avoids the cache. */
  noCache(c: SimpleCommand): boolean;
  /** The RUN's text cleans the cache afterwards. */
  cleaned: RegExp;
  readonly fix: string;
}

const sub = (c: SimpleCommand, i: number): string => c.words[i + 1]?.value ?? '';
const MANAGERS: readonly Manager[] = [
  {
    name: 'apt',
    install: (c) => {
      const i = commandIndex(c, (w) => w === 'apt-get' || w === 'apt');
      return i >= 0 && c.words.slice(i + 1).some((w) => w.value === 'install' || w.value === 'dist-upgrade' || w.value === 'upgrade') ? i : -1;
    },
    noCache: () => false,
    cleaned: /\brm\s[^\n;&|]{0,1000}\/var\/lib\/apt\/lists/,
    fix: 'end the same RUN with `&& rm -rf /var/lib/apt/lists/*`',
  },
  {
    name: 'apk',
    install: (c) => {
      const i = commandIndex(c, (w) => w === 'apk');
      return i >= 0 && (sub(c, i) === 'add' || sub(c, i) === 'upgrade') ? i : -1;
    },
    noCache: (c) => c.words.some((w) => w.value === '--no-cache'),
    cleaned: /\brm\s[^\n;&|]{0,1000}\/var\/cache\/apk/,
    fix: 'use `apk add --no-cache`',
  },
  {
    name: 'yum/dnf',
    install: (c) => {
      const i = commandIndex(c, (w) => w === 'yum' || w === 'dnf' || w === 'microdnf' || w === 'zypper');
      return i >= 0 && c.words.slice(i + 1).some((w) => w.value === 'install' || w.value === 'update' || w.value === 'upgrade' || w.value === 'in') ? i : -1;
    },
    noCache: () => false,
    cleaned: /\b(?:yum|dnf|microdnf|zypper)(?:\s+-\S+){0,10}\s+clean\s+all|\brm\s[^\n;&|]{0,1000}\/var\/cache\/(?:yum|dnf|zypp)/,
    fix: 'end the same RUN with `&& dnf clean all` (or `yum clean all`)',
  },
  {
    name: 'pip',
    install: (c) => {
      const i = pipSubcommand(c);
      return i >= 0 && c.words[i]?.value === 'install' && (c.words[0]?.value ?? '') !== 'uv' ? i : -1;
    },
    noCache: (c) => optionValue(c, ['--no-cache-dir', '--no-cache']) !== undefined,
    cleaned: /\bpip[0-9.]*\s+cache\s+purge|\brm\s[^\n;&|]{0,1000}\.cache\/pip/,
    fix: 'use `pip install --no-cache-dir` (or set `ENV PIP_NO_CACHE_DIR=1`)',
  },
];

function hasCacheMount(ins: Instruction): boolean {
  return ins.flags.some((f) => f.name === 'mount' && /(?:^|,)type=cache(?:,|$)/.test(f.value ?? ''));
}

export const packageCache = dockerfileRule({
  id: 'dockerfile/package-cache',
  title: 'Package-manager cache left in the image',
  severity: 'low',
  description:
    'A RUN in the final stage installs packages with apt, apk, yum/dnf/zypper or pip and leaves the package index or download cache in the layer (no `rm -rf /var/lib/apt/lists/*`, no `apk --no-cache`, no `dnf clean all`, no `pip --no-cache-dir`). A later `rm` in another RUN does not help: the files stay in the earlier layer. The cache makes the image larger and tells whoever pulls it which repositories and versions were used (and pip\u2019s cache keeps the index URLs it fetched from); stale package indexes also invite later `apt-get install` without update. Build stages are not reported (their layers are not shipped), nor RUNs with a BuildKit cache mount (`--mount=type=cache`) or with `PIP_NO_CACHE_DIR` set in the stage.',
  remediation:
    'Clean up in the same RUN that installs: `apt-get update && apt-get install -y --no-install-recommends pkg && rm -rf /var/lib/apt/lists/*`; `apk add --no-cache pkg`; `dnf install -y pkg && dnf clean all`; `pip install --no-cache-dir -r requirements.txt`. Or install in a build stage and copy only what the runtime needs, or use `RUN --mount=type=cache,target=…`.',
  references: ['https://docs.docker.com/build/building/best-practices/#apt-get', 'https://github.com/hadolint/hadolint/wiki/DL3009', 'https://github.com/hadolint/hadolint/wiki/DL3019', 'https://github.com/hadolint/hadolint/wiki/DL3042', 'https://github.com/hadolint/hadolint/wiki/DL3032'],
  tags: ['dockerfile', 'hygiene'],
  maturity: 'stable',
  check({ file, path }, report) {
    const stage = finalStage(file);
    if (stage === undefined) return;
    let pipNoCache = false;
    for (const ins of file.globalArgs) for (const kv of keyValues(ins)) if (kv.name === 'PIP_NO_CACHE_DIR') pipNoCache = true;
    for (const ins of stage.instructions) {
      if (ins.keyword === 'ENV' || ins.keyword === 'ARG') {
        for (const kv of keyValues(ins)) if (kv.name === 'PIP_NO_CACHE_DIR' && !/^(?:0|false|no|off)$/i.test(kv.value ?? '')) pipNoCache = true;
      }
      if (ins.keyword !== 'RUN' || hasCacheMount(ins)) continue;
      const scripts: readonly Script[] = runScripts(ins);
      const all = scripts.map((s) => s.text.text).join('\n');
      for (const m of MANAGERS) {
        if (m.name === 'pip' && pipNoCache) continue;
        if (m.cleaned.test(all)) continue;
        for (const s of scripts) {
          const c = s.commands.find((cmd) => m.install(cmd) >= 0 && !m.noCache(cmd));
          if (c === undefined) continue;
          const w = c.words[0];
          report({ location: locate(path, s.text.at(w?.start ?? 0)), message: `${m.name} installs packages in the final stage and leaves its cache in the layer: ${m.fix}` });
          break;
        }
      }
    }
  },
  cases: () => ({
    invalid: [
      fires('apt-get without removing the lists', dockerfile(`FROM ${PINNED}`, 'RUN apt-get update && apt-get install -y --no-install-recommends curl', 'USER 10001'), at(2, 23, { messageIncludes: 'apt' })),
      fires('pip without --no-cache-dir', dockerfile(`FROM ${PINNED}`, 'RUN python -m pip install -r requirements.txt', 'USER 10001'), at(2, 5, { messageIncludes: 'pip' })),
      fires('apk add without --no-cache', dockerfile(`FROM alpine:3.20@sha256:${'cd'.repeat(32)}`, 'RUN apk add ca-certificates', 'USER 10001'), at(2, 5)),
      fires('cleanup in a later RUN is too late', dockerfile(`FROM ${PINNED}`, 'RUN apt-get update && apt-get install -y git', 'RUN rm -rf /var/lib/apt/lists/*', 'USER 10001'), at(2, 23)),
    ],
    valid: [
      silent('cleaned in the same RUN', dockerfile(`FROM ${PINNED}`, 'RUN apt-get update \\', ' && apt-get install -y --no-install-recommends curl \\', ' && rm -rf /var/lib/apt/lists/*', 'RUN pip install --no-cache-dir flask==3.0.3', 'USER 10001')),
      silent('only in a build stage', dockerfile(`FROM ${PINNED} AS build`, 'RUN pip install -r requirements.txt --target /deps', `FROM ${PINNED}`, 'COPY --from=build /deps /deps', 'USER 10001')),
      silent('cache mount and PIP_NO_CACHE_DIR', dockerfile(`FROM ${PINNED}`, 'RUN --mount=type=cache,target=/var/cache/apt apt-get update && apt-get install -y git', 'ENV PIP_NO_CACHE_DIR=1', 'RUN pip install flask==3.0.3', 'USER 10001')),
    ],
  }),
});
