/**
 * `npm run bench [-- NAME...]`: runs the benchmark suites (scanner, k8s, formats, signing, convert, …, oci) and prints
 * each result as a ratio against its baseline from the same run. Results also go to
 * .bench-tmp/results.json. Data files are generated under .bench-tmp/ (BULWARK_BENCH_DIR) and reused.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run as admission } from './admission.js';
import { run as audit } from './audit.js';
import { benchDir } from './common.js';
import { run as bombs } from './bombs.js';
import { run as convert } from './convert.js';
import { run as formats } from './formats.js';
import { run as gatewayStream } from './gateway-stream.js';
import { run as gateway } from './gateway.js';
import { run as image } from './image.js';
import { run as injection } from './injection.js';
import { run as k8s } from './k8s.js';
import { run as oci } from './oci.js';
import { run as report } from './report.js';
import { run as runtime } from './runtime.js';
import { run as scanner } from './scanner.js';
import { run as signing } from './signing.js';
import { run as supplyChain } from './supply-chain.js';

type Suite = () => unknown;
const SUITES: Record<string, Suite | (() => Promise<unknown>)> = {
  scanner,
  formats,
  k8s,
  signing: () => signing(),
  runtime: () => runtime(),
  bombs,
  admission: () => admission(),
  audit: () => audit(),
  convert,
  oci: () => oci(),
  'supply-chain': () => supplyChain(),
  image,
  report: () => report(),
  'gateway-budget': async () => (await import('./gateway-budget.js')).run(),
  'gateway-stream': gatewayStream,
  injection,
  gateway: () => gateway(),
};

const wanted = process.argv.slice(2);
const results: Record<string, unknown> = {};
for (const [name, suite] of Object.entries(SUITES)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  process.stdout.write(`\n== ${name}\n`);
  results[name] = await suite();
}
writeFileSync(join(benchDir('.'), 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
