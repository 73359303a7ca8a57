/** Models downloaded at build time without a pinned revision (and remote code trusted). */
import { at, dockerfile, dockerfileRule, fires, locate, PINNED, silent } from '../model.js';
import type { Position } from '../parse.js';
import { commandIndex, optionValue, positionOf, runScripts } from '../shell.js';

const COMMIT = /^[0-9a-f]{40}$/;
/** Python calls that fetch from the Hugging Face Hub. */
const CALL = /\b(from_pretrained|snapshot_download|hf_hub_download|pipeline)\s*\(/g;
/** Calls examined per script (a script with more is not a real build step; the first ones are judged). */
const MAX_CALLS = 1000;
/** The first positional argument is a local path: no download. */
const LOCAL = /^\s*(?:r|f)?["'](?:\.{0,2}\/|~)/;

/** The argument text of a call starting at `open` (the index after `(`), bounded. */
function callArgs(text: string, open: number): string {
  let depth = 1;
  const end = Math.min(text.length, open + 1500);
  for (let i = open; i < end; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return text.slice(open, i);
  }
  return text.slice(open, end);
}

function revisionProblem(rev: string | undefined): string | undefined {
  if (rev === undefined || rev === '') return 'without a pinned revision';
  return COMMIT.test(rev) ? undefined : `at revision ${JSON.stringify(rev.slice(0, 60))}, a branch or tag that can move (pin a 40-character commit id)`;
}

export const unpinnedModelDownload = dockerfileRule({
  id: 'dockerfile/unpinned-model-download',
  title: 'Model downloaded at build time without a pinned revision',
  severity: 'medium',
  description:
    'A RUN step downloads a model from the Hugging Face Hub (`huggingface-cli download`, `hf download`, `snapshot_download`, `hf_hub_download`, `from_pretrained`, `pipeline`) without pinning a commit: the image gets whatever the repository\u2019s main branch holds on the day of the build, so a compromised or replaced upstream model (pickled weights, a new chat template, new remote code) enters the image without review, and two builds of one commit differ. A branch or tag as `revision` is not a pin. Loading with `trust_remote_code=True` without a pinned commit is high: the repository\u2019s Python code runs during the build (with the build\u2019s secrets) and again wherever the image loads it. Local paths (`from_pretrained("./model")`) are not downloads and are not reported.',
  remediation:
    'Pin the commit you reviewed: `huggingface-cli download org/model --revision <40-character commit>`, `from_pretrained("org/model", revision="<commit>")`; scan the downloaded folder (`bulwark scan`) in the same build, prefer safetensors weights (`--include "*.safetensors"`), and avoid `trust_remote_code=True` (if a model needs it, pin the commit and review its code). Better still, download and scan models outside the image build and mount them read-only at run time.',
  references: ['https://huggingface.co/docs/huggingface_hub/guides/cli#download-from-a-specific-revision', 'https://huggingface.co/docs/transformers/main/en/models#custom-models', 'https://huggingface.co/docs/hub/security-pickle'],
  tags: ['dockerfile', 'supply-chain', 'models'],
  maturity: 'stable',
  check({ file, path }, report) {
    const seen = new Set<string>();
    const emit = (pos: Position, message: string, severity?: 'high'): void => {
      const key = `${pos.line}:${pos.column}`;
      if (seen.has(key)) return;
      seen.add(key);
      report({ location: locate(path, pos), message, ...(severity !== undefined && { severity }) });
    };
    for (const ins of file.instructions) {
      if (ins.keyword !== 'RUN') continue;
      for (const script of runScripts(ins)) {
        for (const c of script.commands) {
          const i = commandIndex(c, (w) => w === 'huggingface-cli' || w === 'hf');
          if (i < 0 || c.words[i + 1]?.value !== 'download') continue;
          const repo = c.words.slice(i + 2).find((w) => !w.value.startsWith('-'))?.value ?? 'a model';
          const problem = revisionProblem(optionValue(c, ['--revision'])?.value);
          if (problem !== undefined) emit(positionOf(script, c.words[i]), `${c.words[i]?.value ?? 'huggingface-cli'} download ${repo.slice(0, 120)} ${problem}`);
        }
        const text = script.text.text;
        CALL.lastIndex = 0;
        let calls = 0;
        for (let m = CALL.exec(text); m !== null && calls < MAX_CALLS; m = CALL.exec(text), calls++) {
          const args = callArgs(text, m.index + m[0].length);
          if (LOCAL.test(args)) continue;
          const remote = /\btrust_remote_code\s*=\s*True\b/.test(args);
          const rev = /\brevision\s*=\s*(?:r|f)?["']([^"']*)["']/.exec(args)?.[1];
          const problem = revisionProblem(rev);
          const literal = /^\s*(?:r|f)?["']([^"']+)["']/.exec(args)?.[1];
          if (problem === undefined) continue;
          if (remote) emit(script.text.at(m.index), `${m[1] ?? 'from_pretrained'}(${(literal ?? '…').slice(0, 120)}) runs the repository\u2019s remote code (trust_remote_code=True) ${problem}`, 'high');
          else if (literal !== undefined) emit(script.text.at(m.index), `${m[1] ?? 'from_pretrained'}(${literal.slice(0, 120)}) downloads a model ${problem}`);
        }
      }
    }
  },
  cases: () => ({
    invalid: [
      fires('huggingface-cli download without --revision', dockerfile(`FROM ${PINNED}`, 'RUN --mount=type=secret,id=hf huggingface-cli download meta-llama/Llama-3.1-8B --local-dir /models', 'USER 10001'), at(2, 31, { messageIncludes: 'without a pinned revision' })),
      fires('a branch as revision', dockerfile(`FROM ${PINNED}`, 'RUN hf download org/model --revision main', 'USER 10001'), at(2, 5, { messageIncludes: 'branch or tag' })),
      fires('from_pretrained with trust_remote_code', dockerfile(`FROM ${PINNED}`, 'RUN python -c "from transformers import AutoModel; AutoModel.from_pretrained(\'org/model\', trust_remote_code=True)"', 'USER 10001'), at(2, 62, { severity: 'high', messageIncludes: 'remote code' })),
      fires('snapshot_download in a heredoc', dockerfile(`FROM ${PINNED}`, 'RUN <<EOF python3', 'from huggingface_hub import snapshot_download', 'snapshot_download("org/model", local_dir="/models")', 'EOF', 'USER 10001'), at(4, 1, { severity: 'medium' })),
    ],
    valid: [
      silent('pinned commit', dockerfile(`FROM ${PINNED}`, `RUN huggingface-cli download org/model --revision ${'a1'.repeat(20)} --local-dir /models`, `RUN python -c "from transformers import AutoModel; AutoModel.from_pretrained('org/model', revision='${'b2'.repeat(20)}', trust_remote_code=True)"`, 'USER 10001')),
      silent('local path', dockerfile(`FROM ${PINNED}`, 'COPY model /models/m', 'RUN python -c "from transformers import AutoModel; AutoModel.from_pretrained(\'/models/m\')"', 'USER 10001')),
    ],
  }),
});
