/** pip's --extra-index-url: two indexes searched for one name (dependency confusion). */
import { at, dockerfile, dockerfileRule, fires, locate, PINNED, silent } from '../model.js';
import { keyValues } from '../parse.js';
import { optionValue, pipSubcommand, positionOf, runScripts } from '../shell.js';

const UNSAFE_UV = /^unsafe-(?:best|first)-match$|^unsafe-any-match$/;

export const pipExtraIndexUrl = dockerfileRule({
  id: 'dockerfile/pip-extra-index-url',
  title: 'pip installs from an extra index (dependency confusion)',
  severity: 'high',
  description:
    'A pip install uses `--extra-index-url` (or `PIP_EXTRA_INDEX_URL`, or `pip config set global.extra-index-url`). pip then looks a package name up on both indexes and takes the highest version wherever it is: anyone who publishes a package on PyPI with the name of an internal package (an internal model-serving library, a company tokenizer) and a higher version gets code executed in the build and shipped in the image. This is dependency confusion, used against PyTorch\u2019s nightly `torchtriton` in December 2022. `uv pip install --extra-index-url` is not reported unless `--index-strategy unsafe-best-match` (or `unsafe-any-match`) is given: uv\u2019s default takes a name from the first index that has it.',
  remediation:
    'Use one index that proxies PyPI and serves internal packages with precedence (Artifactory, Nexus, devpi, a private index with a PyPI mirror) via `--index-url`, or install internal packages by exact URL or path; pin and hash every requirement (`pip install --require-hashes -r requirements.txt`); with uv, keep its default first-index strategy and declare which index serves which package.',
  references: ['https://pytorch.org/blog/compromised-nightly-dependency/', 'https://pip.pypa.io/en/stable/cli/pip_install/#cmdoption-extra-index-url', 'https://docs.astral.sh/uv/concepts/indexes/#searching-across-multiple-indexes'],
  tags: ['dockerfile', 'supply-chain', 'python'],
  maturity: 'stable',
  check({ file, path }, report) {
    for (const ins of file.instructions) {
      if (ins.keyword === 'ENV' || ins.keyword === 'ARG') {
        for (const kv of keyValues(ins)) {
          if (kv.name === 'PIP_EXTRA_INDEX_URL' && (kv.value ?? '').trim() !== '') {
            report({ location: locate(path, kv.namePos), message: `${ins.keyword} PIP_EXTRA_INDEX_URL makes every pip install search a second index` });
          }
        }
      }
      if (ins.keyword !== 'RUN') continue;
      for (const script of runScripts(ins)) {
        for (const c of script.commands) {
          const s = pipSubcommand(c);
          if (s < 0) continue;
          const extra = optionValue(c, ['--extra-index-url']);
          if (extra !== undefined) {
            if (c.words[0]?.value === 'uv') {
              const strategy = optionValue(c, ['--index-strategy'])?.value ?? '';
              if (!UNSAFE_UV.test(strategy)) continue;
            }
            report({ location: locate(path, positionOf(script, c.words[extra.index])), message: `pip install searches a second index (${(extra.value ?? '').slice(0, 120)}) beside the first: a public package with an internal name wins`, evidence: `--extra-index-url ${(extra.value ?? '').replace(/\/\/[^/@\s]*@/, '//***@').slice(0, 120)}` });
            continue;
          }
          if (c.words[s]?.value === 'config' && c.words.slice(s + 1).some((w) => /^(?:global|install)\.extra-index-url$/.test(w.value))) {
            report({ location: locate(path, positionOf(script, c.words[s])), message: 'pip config sets extra-index-url: every later pip install searches a second index' });
          }
        }
      }
    }
  },
  cases: () => ({
    invalid: [
      fires('--extra-index-url', dockerfile(`FROM ${PINNED}`, 'RUN pip install --no-cache-dir --extra-index-url https://pypi.internal.example.com/simple ml-utils==1.2.0', 'USER 10001'), at(2, 32, { evidenceIncludes: 'pypi.internal' })),
      fires('= form after python -m pip', dockerfile(`FROM ${PINNED}`, 'RUN python3 -m pip install --no-cache-dir --extra-index-url=https://download.pytorch.org/whl/cu121 torch', 'USER 10001'), at(2, 43)),
      fires('PIP_EXTRA_INDEX_URL', dockerfile(`FROM ${PINNED}`, 'ENV PIP_EXTRA_INDEX_URL=https://pypi.internal.example.com/simple', 'USER 10001'), at(2, 5)),
      fires('uv with an unsafe strategy', dockerfile(`FROM ${PINNED}`, 'RUN uv pip install --system --extra-index-url https://pypi.internal/simple --index-strategy unsafe-best-match ml-utils', 'USER 10001'), at(2, 29)),
    ],
    valid: [
      silent('one index', dockerfile(`FROM ${PINNED}`, 'RUN pip install --no-cache-dir --index-url https://pypi.internal.example.com/simple ml-utils==1.2.0', 'USER 10001')),
      silent('uv default strategy', dockerfile(`FROM ${PINNED}`, 'RUN uv pip install --system --extra-index-url https://download.pytorch.org/whl/cu121 torch', 'USER 10001')),
    ],
  }),
});
