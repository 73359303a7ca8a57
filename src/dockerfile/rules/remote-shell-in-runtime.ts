/** SSH servers and remote-shell tools installed in (or kept by) the runtime stage. */
import { at, dockerfile, dockerfileRule, finalStage, fires, locate, PINNED, silent, stageNamed } from '../model.js';
import type { Dockerfile, Stage } from '../parse.js';
import { wordsOf } from '../parse.js';
import { commandIndex, positionOf, runScripts } from '../shell.js';

const SERVERS = /^(?:openssh-server|ssh-server|dropbear(?:-bin|-server)?|telnetd|inetutils-telnetd|xinetd|tigervnc-standalone-server|x11vnc)$/;
const TOOLS = /^(?:openssh-client|openssh|ssh|telnet|netcat(?:-openbsd|-traditional)?|ncat|nmap-ncat|socat)$/;
const INSTALLERS = (w: string): boolean => /^(?:apt-get|apt|apk|yum|dnf|microdnf|zypper|conda|mamba|micromamba)$/.test(w);

/** The stages whose filesystem the final image starts from (FROM <earlier stage> chains). */
function runtimeChain(file: Dockerfile, stage: Stage): Stage[] {
  const out: Stage[] = [stage];
  let s: Stage | undefined = stage;
  while (s !== undefined && out.length < 64) {
    s = stageNamed(file, s.image, s.index);
    if (s !== undefined) out.push(s);
  }
  return out;
}

export const remoteShellInRuntime = dockerfileRule({
  id: 'dockerfile/remote-shell-in-runtime',
  title: 'SSH server or remote-shell tools in the runtime image',
  severity: 'medium',
  description:
    'The stage the image is built from (the final stage, and the earlier stages it is based on with `FROM <stage>`) installs an SSH, telnet or VNC server, exposes port 22, or starts sshd; or it installs remote-shell tools (ssh client, netcat, socat, telnet). Containers are not machines to log into: an SSH server is a second way in with its own keys and passwords, and it survives every rotation of the platform\u2019s credentials; netcat and socat are what an attacker uses to open a reverse shell from a compromised model server or notebook. Build stages that are only copied from are not reported: leaving tools there is what multi-stage builds are for. Servers are medium, client tools low.',
  remediation:
    'Remove the server and the tools from the runtime stage: install them only in a build stage and copy the artefacts you need (`COPY --from=build /app /app`), base the runtime on a minimal or distroless image, and debug with `kubectl debug` / ephemeral containers or `kubectl exec` under RBAC instead of SSH.',
  references: ['https://kubernetes.io/docs/tasks/debug/debug-application/debug-running-pod/#ephemeral-container', 'https://github.com/hadolint/hadolint/wiki/DL3001', 'https://attack.mitre.org/techniques/T1021/004/'],
  tags: ['dockerfile', 'runtime', 'remote-access'],
  maturity: 'stable',
  check({ file, path }, report) {
    const last = finalStage(file);
    if (last === undefined) return;
    for (const stage of runtimeChain(file, last)) {
      for (const ins of stage.instructions) {
        if (ins.keyword === 'EXPOSE') {
          for (const w of wordsOf(ins.body.text)) {
            if (/^22(?:\/tcp)?$/.test(w.value)) report({ location: locate(path, ins.body.at(w.start)), message: 'the runtime image exposes port 22 (SSH)' });
          }
          continue;
        }
        if ((ins.keyword === 'CMD' || ins.keyword === 'ENTRYPOINT') && /(?:^|[\s/"'])(?:sshd|dropbear)\b/.test(ins.body.text)) {
          report({ location: locate(path, ins.body.at(0)), message: `the runtime image starts an SSH server (${ins.keyword})` });
          continue;
        }
        if (ins.keyword !== 'RUN') continue;
        for (const script of runScripts(ins)) {
          for (const c of script.commands) {
            const i = commandIndex(c, INSTALLERS);
            if (i < 0 || !c.words.slice(i + 1).some((w) => /^(?:install|add|in)$/.test(w.value))) continue;
            for (const w of c.words.slice(i + 1)) {
              const pkg = w.value.replace(/[=<>].*$/, '');
              if (SERVERS.test(pkg)) report({ location: locate(path, positionOf(script, w)), message: `the runtime image installs ${pkg}, a remote-login server` });
              else if (TOOLS.test(pkg)) report({ location: locate(path, positionOf(script, w)), severity: 'low', message: `the runtime image installs ${pkg}, a remote-shell tool` });
            }
          }
        }
      }
    }
  },
  cases: () => ({
    invalid: [
      fires('openssh-server in the final stage', dockerfile(`FROM ${PINNED} AS build`, 'RUN make', `FROM ${PINNED}`, 'RUN apt-get update && apt-get install -y --no-install-recommends openssh-server && rm -rf /var/lib/apt/lists/*', 'USER 10001'), at(4, 66, { severity: 'medium', messageIncludes: 'openssh-server' })),
      fires('EXPOSE 22', dockerfile(`FROM ${PINNED}`, 'EXPOSE 8080 22', 'USER 10001'), at(2, 13)),
      fires('netcat from the base stage of the runtime', dockerfile(`FROM ${PINNED} AS base`, 'RUN apk add --no-cache netcat-openbsd', 'FROM base', 'USER 10001'), at(2, 24, { severity: 'low' })),
    ],
    valid: [
      silent('ssh only in the build stage', dockerfile(`FROM ${PINNED} AS build`, 'RUN apt-get update && apt-get install -y openssh-client git && rm -rf /var/lib/apt/lists/*', 'RUN git clone git@github.com:org/repo.git /src', `FROM ${PINNED}`, 'COPY --from=build /src /app', 'EXPOSE 8080', 'USER 10001')),
    ],
  }),
});
