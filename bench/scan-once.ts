/**
 * Child process for the scanner bench: imports the engine, then times `scan()` of the given path
 * twice in the same process (first: cold JIT, as a fresh CLI run without start-up; second: steady
 * state, as a long-running service such as the admission webhook sees it). Prints one JSON line.
 */
import { scan, scanOptions } from '../src/engine/index.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: scan-once PATH');
const times: number[] = [];
for (let i = 0; i < 2; i++) {
  const t0 = performance.now();
  await scan({ paths: [path] }, scanOptions({ jobs: 1 }));
  times.push((performance.now() - t0) / 1000);
}
process.stdout.write(`${JSON.stringify({ first: times[0], second: times[1], rssMiB: process.memoryUsage().rss / 1048576 })}\n`);
