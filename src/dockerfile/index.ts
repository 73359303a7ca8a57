/**
 * Dockerfile analysis — the domain's public surface. Dockerfiles are recognised by content
 * (`looksLikeDockerfile`: the first instruction is `FROM`, or `ARG`s then `FROM`), never by name.
 *
 * - `parseDockerfile(text, {maxInstructions})`: bounded parser with line/column positions.
 * - `analyzeDockerfile(text, path, limits, reporter)`: parse, report malformed input and limits
 *   (fail-closed), run the enabled `dockerfile/*` rules; findings leave through `reporter`.
 * - `reportDockerfileTooLarge(…)`: a file over maxTextBytes whose head is a Dockerfile.
 * - `DOCKERFILE_RULESET` / `DOCKERFILE_RULES`: for the registry (cases: the test-only `rule-cases.ts`).
 */
export { parseDockerfile, looksLikeDockerfile, startsLikeDockerfile } from './parse.js';
export type { Dockerfile, Instruction, Stage, Position, ParseProblem } from './parse.js';
export { analyzeDockerfile, reportDockerfileTooLarge, DOCKERFILE_FORMAT } from './analyze.js';
export { DOCKERFILE_RULES, DOCKERFILE_RULESET } from './rule-list.js';
export type { DockerfileRule, DockerfileSubject } from './model.js';
