/**
 * Child process of bench/gateway.ts: the floor of any Node.js proxy on this machine — a bare
 * node:http server that forwards each request through an undici Pool and copies the answer back, with
 * no checks at all. argv: PORT UPSTREAM_URL. Prints "ready" once listening.
 */
import { createServer } from 'node:http';
import { Pool } from 'undici';

const port = Number(process.argv[2] ?? '0');
const pool = new Pool(process.argv[3] ?? '', { connections: 64, keepAliveTimeout: 60_000 });
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    pool
      .request({ path: req.url ?? '/', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length) }, body })
      .then(async (up) => {
        const text = await up.body.text();
        res.writeHead(up.statusCode, { 'content-type': String(up.headers['content-type'] ?? 'application/json'), 'content-length': String(Buffer.byteLength(text)) });
        res.end(text);
      })
      .catch(() => {
        res.writeHead(502);
        res.end();
      });
  });
});
server.keepAliveTimeout = 75_000;
server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => {
  server.close();
  void pool.close().then(() => process.exit(0));
});
