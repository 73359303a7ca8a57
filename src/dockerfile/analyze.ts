/**
 * One Dockerfile: parse (bounded by `maxDockerfileInstructions`; the text itself by `maxTextBytes`),
 * report what BuildKit would refuse as malformed input and a truncated parse as a reached limit (both
 * fail-closed: the target is partial), then run every enabled rule's check on the parsed file.
 */
import type { Limits } from '../limits/index.js';
import type { Reporter } from '../rules/index.js';
import { coreRules } from '../rules/index.js';
import { locate } from './model.js';
import type { Dockerfile } from './parse.js';
import { parseDockerfile } from './parse.js';
import { DOCKERFILE_RULES } from './rule-list.js';

/** The target format of a Dockerfile. */
export const DOCKERFILE_FORMAT = 'dockerfile';

export function analyzeDockerfile(text: string, path: string, limits: Limits, reporter: Reporter): Dockerfile {
  const file = parseDockerfile(text, { maxInstructions: limits.maxDockerfileInstructions });
  for (const p of file.problems.slice(0, 20)) {
    reporter.report(coreRules.malformedInput, { location: locate(path, p.pos), message: `Dockerfile: ${p.message}; the build would fail or differ from what was analysed` });
  }
  if (file.problems.length > 20) {
    reporter.report(coreRules.malformedInput, { location: { kind: 'file', path }, message: `Dockerfile: ${file.problems.length - 20} more problems` });
  }
  if (file.truncatedAt !== undefined) {
    reporter.report(coreRules.limitExceeded, {
      location: locate(path, file.truncatedAt),
      message: `Dockerfile has more than ${limits.maxDockerfileInstructions} instructions; the rest was not analysed (maxDockerfileInstructions)`,
      evidence: 'maxDockerfileInstructions',
    });
  }
  for (const rule of DOCKERFILE_RULES) {
    if (rule.check === undefined || !reporter.enabled(rule)) continue;
    rule.check({ file, path }, reporter.bind(rule));
  }
  return file;
}

/** A file over maxTextBytes whose head is a Dockerfile: not analysed, never a silent pass. */
export function reportDockerfileTooLarge(path: string, size: number, limits: Limits, reporter: Reporter): void {
  reporter.report(coreRules.limitExceeded, {
    location: { kind: 'file', path },
    message: `Dockerfile of ${size} bytes is larger than maxTextBytes (${limits.maxTextBytes}); it was not analysed`,
    evidence: 'maxTextBytes',
  });
}
