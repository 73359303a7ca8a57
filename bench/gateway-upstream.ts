/** Child process of bench/gateway.ts: the test upstream on 127.0.0.1:PORT (argv[2]); SSE chunks stamped with their write time. */
import { startTestUpstream } from '../test-fixtures/gateway/upstream.js';

const port = Number(process.argv[2] ?? '0');
const u = await startTestUpstream({ stampChunks: true, chunkDelayMs: 10, words: Array.from({ length: 60 }, (_, i) => `w${i}`) }, port);
process.stdout.write(`ready ${u.port}\n`);
process.on('SIGTERM', () => void u.close().then(() => process.exit(0)));
