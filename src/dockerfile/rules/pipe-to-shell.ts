/** curl/wget output piped into a shell or interpreter (or run through `sh -c "$(curl …)"`, `bash <(curl …)`). */
import { at, dockerfile, dockerfileRule, fires, locate, PINNED, silent } from '../model.js';
import type { SimpleCommand } from '../shell.js';
import { commandIndex, runScripts } from '../shell.js';

const FETCH = (w: string): boolean => w === 'curl' || w === 'wget';
/** Shells and interpreters; a version may come from a build argument (`python${PYTHON_VERSION}`). */
const INTERPRETER = (w: string): boolean => w.length <= 64 && /^(?:(?:ba|da|z|k|a|fi|tc|c)?sh|(?:python|perl|ruby|node|php)(?:[0-9.]|\$\{\w+\}|\$[A-Za-z_]\w*)*|pwsh|source|\.)$/.test(w);
/** A download inside a command substitution or process substitution: `$(curl`, `<(wget`, `` `curl ``. */
const SUBSTITUTION = /(?:\$\(|<\(|`)[ \t]{0,20}(?:sudo[ \t]+)?(?:curl|wget)\b/g;
/** …run by a shell or interpreter earlier on the same line: `sh -c "$(curl …)"`, `bash <(curl …)`, `. <(curl …)`. */
const RUNNER = /(?:^|[\s;&|(])(?:(?:ba|da|z|k)?sh|source|\.|python[0-9.]*|eval)[ \t][^\n;&|]*$/;

/** Index of the first download run through a substitution in `text`, or -1 (bounded look-back). */
function substitutedDownload(text: string): number {
  SUBSTITUTION.lastIndex = 0;
  for (let m = SUBSTITUTION.exec(text); m !== null; m = SUBSTITUTION.exec(text)) {
    const from = Math.max(0, m.index - 200);
    const before = text.slice(from, m.index);
    const r = RUNNER.exec(before);
    if (r !== null) return from + r.index + (/^[\s;&|(]/.test(r[0]) ? 1 : 0);
  }
  return -1;
}

export const pipeToShell = dockerfileRule({
  id: 'dockerfile/pipe-to-shell',
  title: 'Remote script piped into a shell',
  severity: 'high',
  description:
    'A RUN step downloads a script with curl or wget and runs it at once (`curl … | sh`, `wget -O- … | bash`, `sh -c "$(curl …)"`, `bash <(curl …)`, or into python/perl/node). Nothing checks what was downloaded: whoever controls the server, its CDN, DNS or a proxy runs code in the build with the build\u2019s secrets and network, and can leave a backdoor in the image; a partial download can also run half a script. Installer scripts of CUDA tools, package managers and model CLIs are common in AI images.',
  remediation:
    'Download to a file, verify it against a published checksum or signature, then run it: `curl -fsSLo install.sh URL && echo "<sha256>  install.sh" | sha256sum -c - && sh install.sh`. Better, install from a signed package repository or copy the tool from a pinned image (`COPY --from=<image>@sha256:… /bin/tool /usr/local/bin/`).',
  references: ['https://docs.docker.com/build/building/best-practices/#using-pipes', 'https://www.idontplaydarts.com/2016/04/detecting-curl-pipe-bash-server-side/'],
  tags: ['dockerfile', 'supply-chain', 'remote-code'],
  maturity: 'stable',
  check({ file, path }, report) {
    for (const ins of file.instructions) {
      if (ins.keyword !== 'RUN') continue;
      for (const script of runScripts(ins)) {
        const cmds = script.commands;
        let fetch: SimpleCommand | undefined;
        for (const c of cmds) {
          if (c.after !== '|') fetch = undefined;
          const fi = commandIndex(c, FETCH);
          if (fi >= 0) {
            fetch = c;
            continue;
          }
          const ii = commandIndex(c, INTERPRETER);
          if (fetch !== undefined && c.after === '|' && ii >= 0) {
            const f = fetch.words[commandIndex(fetch, FETCH)];
            const sh = c.words[ii]?.value ?? '';
            report({ location: locate(path, script.text.at(f?.start ?? 0)), message: `RUN pipes the output of ${f?.value ?? 'curl'} into ${sh}: a remote script runs unverified` });
            fetch = undefined;
          }
        }
        const at = substitutedDownload(script.text.text);
        if (at >= 0) report({ location: locate(path, script.text.at(at)), message: 'RUN runs a script downloaded inside a command substitution: a remote script runs unverified' });
      }
    }
  },
  cases: () => ({
    invalid: [
      fires('curl | sh', dockerfile(`FROM ${PINNED}`, 'RUN curl -fsSL https://example.com/install.sh | sh', 'USER 10001'), at(2, 5, { messageIncludes: 'into sh' })),
      fires('wget into sudo bash on a continuation line', dockerfile(`FROM ${PINNED}`, 'RUN apt-get update \\', '    && wget -qO- https://example.com/i.sh | sudo bash -s -- --yes', 'USER 10001'), at(3, 8, { messageIncludes: 'into bash' })),
      fires('sh -c "$(curl …)"', dockerfile(`FROM ${PINNED}`, 'RUN sh -c "$(curl -fsSL https://example.com/install.sh)"', 'USER 10001'), at(2, 5)),
      fires('into a python whose version is a build argument', dockerfile(`FROM ${PINNED}`, 'ARG PYTHON_VERSION=3.12', 'RUN curl -sS https://bootstrap.pypa.io/get-pip.py | python${PYTHON_VERSION}', 'USER 10001'), at(3, 5, { messageIncludes: 'into python${PYTHON_VERSION}' })),
      fires('in a heredoc', dockerfile(`FROM ${PINNED}`, 'RUN <<EOF', 'set -e', 'curl -sSL https://install.example.com | python3 -', 'EOF', 'USER 10001'), at(4, 1)),
    ],
    valid: [
      silent('download, verify, run', dockerfile(`FROM ${PINNED}`, 'RUN curl -fsSLo i.sh https://example.com/i.sh && echo "abc  i.sh" | sha256sum -c - && sh i.sh', 'USER 10001')),
      silent('curl into tar', dockerfile(`FROM ${PINNED}`, 'RUN curl -fsSL https://example.com/x.tgz | tar -xz -C /opt', 'USER 10001')),
    ],
  }),
});
