/** The runtime (final) stage runs as root: no USER, or USER root / 0. */
import { at, dockerfile, dockerfileRule, finalStage, fires, locate, PINNED, silent, stageNamed } from '../model.js';
import type { Position, Stage } from '../parse.js';
import type { Dockerfile } from '../parse.js';

const ROOT = /^(?:root|0)(?::.*)?$/;

/** The last USER of a stage, following `FROM <earlier stage>` to its parent. */
function lastUser(file: Dockerfile, stage: Stage, depth = 0): { user: string; pos: Position } | undefined {
  for (let k = stage.instructions.length - 1; k >= 0; k--) {
    const ins = stage.instructions[k];
    if (ins?.keyword === 'USER') return { user: ins.body.text.trim(), pos: ins.body.at(0) };
  }
  const parent = stageNamed(file, stage.image, stage.index);
  return parent !== undefined && depth < 64 ? lastUser(file, parent, depth + 1) : undefined;
}

/** Base images whose tag says they run as a non-root user (distroless `:nonroot`, `:debug-nonroot`). */
function nonRootBase(file: Dockerfile, stage: Stage, depth = 0): boolean {
  const parent = stageNamed(file, stage.image, stage.index);
  if (parent !== undefined) return depth < 64 && nonRootBase(file, parent, depth + 1);
  if (stage.image.length > 1024) return false;
  const tag = /:([^/@:]+)(?:@|$)/.exec(stage.image)?.[1] ?? '';
  return /(?:^|-)nonroot(?:-|$)/.test(tag);
}

export const rootUser = dockerfileRule({
  id: 'dockerfile/root-user',
  title: 'Image runs as root',
  severity: 'medium',
  description:
    'The final stage of the Dockerfile (the image `docker build` produces) sets no USER, or sets USER root (or uid 0): the container\u2019s process runs as root unless the platform overrides it. Root in the container makes every other weakness worse: a code-execution bug in a model server or notebook can write to the image\u2019s files and mounted model volumes, read other users\u2019 files, and is one kernel or runtime bug away from the node. Kubernetes can force a non-root user (`runAsNonRoot`, `k8s/pss-run-as-non-root`), but only if the image works without root; images that need root fail there or get exempted. Base images whose tag says they are non-root (distroless `:nonroot`) are accepted without a USER.',
  remediation:
    'Create an unprivileged user in the final stage and switch to it: `RUN useradd --uid 10001 --no-create-home app` (or `adduser -D -u 10001 app` on Alpine) and `USER 10001:10001` as the last USER instruction; prefer a numeric uid so that Kubernetes\u2019 `runAsNonRoot` can verify it. Distroless images: use the `:nonroot` tag or `USER 65532:65532`.',
  references: ['https://docs.docker.com/build/building/best-practices/#user', 'https://github.com/hadolint/hadolint/wiki/DL3002', 'https://kubernetes.io/docs/concepts/security/pod-security-standards/'],
  tags: ['dockerfile', 'user'],
  maturity: 'stable',
  check({ file, path }, report) {
    const stage = finalStage(file);
    if (stage === undefined) return;
    const u = lastUser(file, stage);
    if (u === undefined) {
      if (nonRootBase(file, stage)) return;
      report({ location: locate(path, stage.imagePos), message: `the final stage (FROM ${stage.image.slice(0, 120)}) sets no USER: the image runs as its base image\u2019s user, root for most images` });
      return;
    }
    if (ROOT.test(u.user)) report({ location: locate(path, u.pos), message: `the final stage runs as root (USER ${u.user.slice(0, 60)})`, evidence: `USER ${u.user.slice(0, 60)}` });
  },
  cases: () => ({
    invalid: [
      fires('no USER', dockerfile(`FROM ${PINNED}`, 'RUN pip install --no-cache-dir flask==3.0.3', 'CMD ["python", "app.py"]'), at(1, 6, { messageIncludes: 'sets no USER' })),
      fires('USER root last', dockerfile(`FROM ${PINNED}`, 'USER app', 'RUN echo', 'USER root'), at(4, 6, { evidenceIncludes: 'USER root' })),
      fires('USER 0:0', dockerfile(`FROM ${PINNED}`, 'USER 0:0'), at(2, 6)),
      fires('a non-root builder does not make the runtime stage non-root', dockerfile(`FROM ${PINNED} AS build`, 'USER 1000', `FROM ${PINNED}`, 'COPY --from=build /app /app'), at(3, 6)),
    ],
    valid: [
      silent('numeric non-root user', dockerfile(`FROM ${PINNED}`, 'RUN useradd --uid 10001 app', 'USER 10001:10001', 'CMD ["python", "app.py"]')),
      silent('root only in the build stage', dockerfile(`FROM ${PINNED} AS build`, 'USER root', 'RUN make', `FROM ${PINNED}`, 'USER app')),
      silent('distroless nonroot tag', dockerfile(`FROM gcr.io/distroless/python3-debian12:nonroot@sha256:${'ab'.repeat(32)}`, 'COPY app /app')),
      silent('inherits USER from an earlier stage', dockerfile(`FROM ${PINNED} AS base`, 'USER 10001', 'FROM base', 'COPY app /app')),
    ],
  }),
});
