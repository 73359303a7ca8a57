/**
 * The baseline of the admission load test: an HTTPS server on node:https with the same key and
 * certificate, keep-alive, that reads the request body and sends it back. Usage: CERT KEY PORT.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const [cert, key, port] = process.argv.slice(2);
if (cert === undefined || key === undefined || port === undefined) {
  process.stderr.write('usage: admission-echo CERT KEY PORT\n');
  process.exit(2);
}
const server = createServer({ cert: readFileSync(cert), key: readFileSync(key), keepAliveTimeout: 60_000 }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = req.url === '/healthz' ? Buffer.from('{"status":"ok"}') : Buffer.concat(chunks);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
server.listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
