/** ADD with a remote source (http(s), ftp, git) that nothing verifies. */
import { at, dockerfile, dockerfileRule, fires, locate, PINNED, silent } from '../model.js';
import { wordsOf } from '../parse.js';

const REMOTE = /^(?:https?|ftp):\/\//i;
const GIT = /^(?:git@|git:\/\/|ssh:\/\/)|\.git(?:#|$)/i;

export const addFromUrl = dockerfileRule({
  id: 'dockerfile/add-from-url',
  title: 'ADD downloads a remote file without verifying it',
  severity: 'medium',
  description:
    'ADD fetches a URL (or a Git repository) at build time and puts what the server returned into the image, with no checksum: whoever controls the server, the DNS or a proxy on the way controls that layer, and the next build can get a different file. ADD also unpacks local archives implicitly, which makes what it does depend on the content. For AI images this is often a model or tokenizer fetched from a URL. An ADD with `--checksum=sha256:…` (BuildKit verifies it) or a Git source pinned to a full commit id (`#<40 hex>`) is not reported.',
  remediation:
    'Download in a RUN step and verify the file (`curl -fsSLo f.tgz URL && echo "<sha256>  f.tgz" | sha256sum -c -`), or give ADD the expected digest: `ADD --checksum=sha256:<digest> URL /dest`. Pin Git sources to a commit (`ADD https://github.com/org/repo.git#<commit> /src`). Use COPY for local files.',
  references: ['https://docs.docker.com/reference/dockerfile/#add', 'https://github.com/hadolint/hadolint/wiki/DL3020', 'https://docs.docker.com/build/building/best-practices/#add-or-copy'],
  tags: ['dockerfile', 'supply-chain'],
  maturity: 'stable',
  check({ file, path }, report) {
    for (const ins of file.instructions) {
      if (ins.keyword !== 'ADD') continue;
      const checksum = ins.flags.some((f) => f.name === 'checksum' && (f.value ?? '') !== '');
      const words = ins.json !== undefined ? ins.json.map((value) => ({ value, start: 0 })) : wordsOf(ins.body.text);
      for (const w of words.slice(0, -1)) {
        const pinnedGit = /#[0-9a-f]{40}$/i.test(w.value);
        if (GIT.test(w.value) && !pinnedGit) {
          report({ location: locate(path, ins.body.at(w.start)), message: `ADD clones ${w.value.slice(0, 200)} without pinning a commit: the next build may get different code` });
        } else if (REMOTE.test(w.value) && !checksum && !pinnedGit) {
          report({ location: locate(path, ins.body.at(w.start)), message: `ADD downloads ${w.value.slice(0, 200)} without --checksum: its content is whatever the server returns at build time` });
        }
      }
    }
  },
  cases: () => ({
    invalid: [
      fires('a model from a URL', dockerfile(`FROM ${PINNED}`, 'ADD https://example.com/models/model.safetensors /models/', 'USER 10001'), at(2, 5, { messageIncludes: 'without --checksum' })),
      fires('after flags', dockerfile(`FROM ${PINNED}`, 'ADD --chown=10001:10001 http://example.com/tok.json /models/', 'USER 10001'), at(2, 25)),
      fires('an unpinned Git repository', dockerfile(`FROM ${PINNED}`, 'ADD https://github.com/org/repo.git#main /src', 'USER 10001'), at(2, 5, { messageIncludes: 'commit' })),
    ],
    valid: [
      silent('checksum given', dockerfile(`FROM ${PINNED}`, `ADD --checksum=sha256:${'ab'.repeat(32)} https://example.com/model.safetensors /models/`, 'USER 10001')),
      silent('local files', dockerfile(`FROM ${PINNED}`, 'ADD app.tar.gz /app/', 'COPY https.txt /etc/', 'USER 10001')),
      silent('Git pinned to a commit', dockerfile(`FROM ${PINNED}`, `ADD https://github.com/org/repo.git#${'0a'.repeat(20)} /src`, 'USER 10001')),
    ],
  }),
});
