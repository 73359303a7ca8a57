/** chmod 777 (or any world-writable mode) and COPY/ADD --chmod with a world-writable mode. */
import { at, dockerfile, dockerfileRule, fires, locate, PINNED, silent } from '../model.js';
import { commandIndex, positionOf, runScripts } from '../shell.js';

/** An octal mode whose "others" digit has the write bit, or a symbolic mode that grants o/a write. */
export function worldWritable(mode: string): boolean {
  if (/^[0-7]{3,4}$/.test(mode)) return (Number(mode[mode.length - 1]) & 2) !== 0;
  return mode.split(',').some((clause) => {
    const m = /^([ugoa]*)([-+=])([rwxXst]*)$/.exec(clause);
    if (m === null) return false;
    const who = m[1] ?? '';
    return (who === '' ? false : who.includes('o') || who.includes('a')) && m[2] !== '-' && (m[3] ?? '').includes('w');
  });
}

export const worldWritableRule = dockerfileRule({
  id: 'dockerfile/world-writable',
  title: 'World-writable permissions (chmod 777)',
  severity: 'medium',
  description:
    'A RUN runs `chmod 777` (or another mode that lets every user write: `666`, `o+w`, `a+rwx`), or COPY/ADD sets such a mode with `--chmod`. Any process in the container, whatever its user, can then replace those files: the application code, its configuration, entry-point scripts or model weights. Once an attacker has code execution as an unprivileged user, writable code and models give persistence and a way to escalate to whatever runs them next. A `chmod 1777` directory with the sticky bit (like /tmp) is still reported; accept it with a suppression if it is a scratch directory.',
  remediation:
    'Give files to the user that must write them and keep the rest read-only: `COPY --chown=10001:10001 --chmod=0755 …`, `chmod 0755` for programs and `0644` for data; make only the directories the application writes to writable by its user (`chown 10001 /app/cache && chmod 0700 /app/cache`), or mount an emptyDir there at run time.',
  references: ['https://cwe.mitre.org/data/definitions/732.html', 'https://docs.docker.com/reference/dockerfile/#copy---chown---chmod'],
  tags: ['dockerfile', 'permissions'],
  maturity: 'stable',
  check({ file, path }, report) {
    for (const ins of file.instructions) {
      if (ins.keyword === 'COPY' || ins.keyword === 'ADD') {
        const f = ins.flags.find((x) => x.name === 'chmod');
        if (f?.value !== undefined && worldWritable(f.value)) report({ location: locate(path, f.pos), message: `${ins.keyword} --chmod=${f.value.slice(0, 20)} makes the copied files writable by every user` });
        continue;
      }
      if (ins.keyword !== 'RUN') continue;
      for (const script of runScripts(ins)) {
        for (const c of script.commands) {
          const i = commandIndex(c, (w) => w === 'chmod');
          if (i < 0) continue;
          const modeWord = c.words.slice(i + 1).find((w) => !/^-[a-zA-Z]+$/.test(w.value) && !w.value.startsWith('--'));
          if (modeWord !== undefined && worldWritable(modeWord.value)) {
            const target = c.words[c.words.indexOf(modeWord) + 1]?.value ?? '';
            report({ location: locate(path, positionOf(script, modeWord)), message: `chmod ${modeWord.value.slice(0, 20)} ${target.slice(0, 120)} makes it writable by every user`, evidence: `chmod ${modeWord.value.slice(0, 20)}` });
          }
        }
      }
    }
  },
  cases: () => ({
    invalid: [
      fires('chmod -R 777', dockerfile(`FROM ${PINNED}`, 'RUN mkdir /app && chmod -R 777 /app', 'USER 10001'), at(2, 28, { evidenceIncludes: 'chmod 777' })),
      fires('a+rwx', dockerfile(`FROM ${PINNED}`, 'RUN chmod a+rwx /entrypoint.sh', 'USER 10001'), at(2, 11)),
      fires('COPY --chmod=777', dockerfile(`FROM ${PINNED}`, 'COPY --chmod=777 app.py /app/', 'USER 10001'), at(2, 6)),
    ],
    valid: [
      silent('755 and u+x', dockerfile(`FROM ${PINNED}`, 'RUN chmod 755 /app && chmod u+x /entrypoint.sh && chmod -R go-w /app', 'COPY --chmod=0644 cfg.yaml /app/', 'USER 10001')),
    ],
  }),
});
