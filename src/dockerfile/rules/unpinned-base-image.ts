/** FROM images not pinned by digest (graded: `latest` or no tag is worse than a version tag). */
import { at, dockerfile, dockerfileRule, DIGEST, fires, globalArgDefaults, locate, PINNED, silent, stageNamed, substitute } from '../model.js';

const DIGEST_RE = /@sha256:[a-f0-9]{64}$|@sha512:[a-f0-9]{128}$/;

export const unpinnedBaseImage = dockerfileRule({
  id: 'dockerfile/unpinned-base-image',
  title: 'Base image not pinned by digest',
  severity: 'low',
  description:
    'A FROM line names its image by tag only. Tags move: the same Dockerfile builds on whatever the registry serves that day, so a compromised or replaced upstream image (or a typo-squatted one) enters the build unnoticed, and two builds of one commit are not the same image. `latest` or no tag at all (which means `latest`) is graded medium: it changes with every upstream release, including major versions. Build stages count too: what they compile is copied into the runtime image. `FROM scratch`, earlier stages (`FROM build`) and images chosen entirely by a build argument without a default (`FROM ${BASE}`) are not reported.',
  remediation:
    'Pin every base image by digest and keep the tag for readers: `FROM python:3.12-slim@sha256:<digest>` (get it with `docker buildx imagetools inspect python:3.12-slim` or `crane digest`), and let Dependabot or Renovate propose digest updates.',
  references: ['https://docs.docker.com/build/building/best-practices/#pin-base-image-versions', 'https://github.com/hadolint/hadolint/wiki/DL3006', 'https://github.com/hadolint/hadolint/wiki/DL3007'],
  tags: ['dockerfile', 'supply-chain'],
  maturity: 'stable',
  check({ file, path }, report) {
    const args = globalArgDefaults(file);
    for (const stage of file.stages) {
      const written = stage.image;
      if (written === '' || written.toLowerCase() === 'scratch' || stageNamed(file, written, stage.index) !== undefined) continue;
      const image = written.includes('$') ? substitute(written, args) : written;
      if (image === undefined || image === '' || image.toLowerCase() === 'scratch') continue;
      if (DIGEST_RE.test(image)) continue;
      const slash = image.lastIndexOf('/');
      const colon = image.lastIndexOf(':');
      const tag = colon > slash ? image.slice(colon + 1) : undefined;
      const shown = image === written ? written : `${written} = ${image}`;
      if (tag === undefined || tag === 'latest') {
        report({ location: locate(path, stage.imagePos), severity: 'medium', message: `base image ${shown.slice(0, 200)} ${tag === undefined ? 'has no tag (latest)' : 'is latest'} and no digest: every build may get a different image` });
      } else {
        report({ location: locate(path, stage.imagePos), message: `base image ${shown.slice(0, 200)} is pinned by tag only; tags can be moved to another image` });
      }
    }
  },
  cases: () => ({
    invalid: [
      fires('version tag only', dockerfile('FROM python:3.12-slim', 'USER 10001'), at(1, 6, { severity: 'low', messageIncludes: 'by tag only' })),
      fires('latest', dockerfile('FROM ubuntu:latest', 'USER 10001'), at(1, 6, { severity: 'medium' })),
      fires('no tag', dockerfile('FROM --platform=linux/amd64 nvcr.io/nvidia/pytorch AS train', `FROM ${PINNED}`, 'USER 10001'), at(1, 29, { severity: 'medium', messageIncludes: 'no tag' })),
      fires('through a global ARG default', dockerfile('ARG BASE=python:3.12', 'FROM ${BASE}', 'USER 10001'), at(2, 6, { severity: 'low', messageIncludes: 'python:3.12' })),
    ],
    valid: [
      silent('pinned by digest', dockerfile(`FROM ${PINNED}`, 'USER 10001')),
      silent('scratch and earlier stages', dockerfile(`FROM golang:1.22@${DIGEST} AS build`, 'RUN go build -o /app .', 'FROM scratch AS out', 'COPY --from=build /app /app', 'FROM out', 'USER 10001')),
      silent('pinned through an ARG', dockerfile(`ARG BASE=python:3.12@${DIGEST}`, 'FROM $BASE', 'USER 10001')),
    ],
  }),
});
