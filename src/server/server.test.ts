/**
 * The shared server on real HTTPS on loopback: TLS reload without restart, readiness, slow clients
 * (408), plain HTTP on the TLS port (plain 400), body limit (413), metrics, drain at shutdown. Each
 * test starts its own server on port 0 and stops it.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { httpsRequest, makeCert, peerFingerprint, plainRequest, readAll, tempDir, tlsSocket } from '../../test-fixtures/admission/tls.js';
import type { BulwarkServer, ServerOptions } from './index.js';
import { createLogger, createServer } from './index.js';

const lines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, cb) {
    lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
    cb();
  },
});

const running: BulwarkServer[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.shutdown('test end');
});

async function start(o: Partial<ServerOptions> & { dir?: string } = {}): Promise<{ server: BulwarkServer; port: number; ca: Buffer; dir: string }> {
  const dir = o.dir ?? tempDir();
  const c = makeCert(dir);
  const server = await createServer(
    {
      service: 'test',
      tls: { certFile: c.certFile, keyFile: c.keyFile, reloadIntervalMs: 100 },
      bodyLimit: 1024,
      headersTimeoutMs: 400,
      requestTimeoutMs: 800,
      logger: createLogger('test', 'debug', sink),
      ...o,
    },
    (app) => {
      app.post('/echo', async (req) => ({ bytes: Buffer.isBuffer(req.body) ? req.body.length : -1 }));
      app.post('/slow', async () => {
        await sleep(300);
        return { ok: true };
      });
    },
  );
  running.push(server);
  const { port } = await server.listen(0, '127.0.0.1');
  return { server, port, ca: c.cert, dir };
}

describe('server', () => {
  it('serves health, readiness and metrics; limits the body; logs without contents', async () => {
    const { port, ca } = await start();
    expect((await httpsRequest(port, ca, { path: '/healthz' })).status).toBe(200);
    expect(JSON.parse((await httpsRequest(port, ca, { path: '/readyz' })).body)).toEqual({ status: 'ready' });
    expect(JSON.parse((await httpsRequest(port, ca, { path: '/echo', body: '{"secret":"s3cr3t"}' })).body)).toEqual({ bytes: 19 });
    const big = await httpsRequest(port, ca, { path: '/echo', body: `"${'x'.repeat(2000)}"` });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body)).toEqual({ error: 'request body larger than 1024 bytes' });
    expect((await httpsRequest(port, ca, { path: '/echo', body: 'x', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await httpsRequest(port, ca, { path: '/nope' })).status).toBe(404);
    const metrics = (await httpsRequest(port, ca, { path: '/metrics' })).body;
    expect(metrics).toContain('bulwark_http_requests_total{route="/echo",status="413"} 1');
    expect(metrics).toContain('bulwark_http_requests_in_flight');
    expect(metrics).toContain('bulwark_tls_certificate_not_after_seconds');
    expect(lines.join('\n')).not.toContain('s3cr3t');
  });

  it('is not ready without TLS material, and becomes ready when the files appear', async () => {
    const dir = tempDir();
    const c = makeCert(dir, 'later');
    const server = await createServer(
      { service: 't', tls: { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key'), reloadIntervalMs: 50 }, bodyLimit: 1024, logger: createLogger('t', 'silent') },
      () => undefined,
    );
    running.push(server);
    const r = await server.app.inject({ method: 'GET', url: '/readyz' });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toEqual({ status: 'not ready', reason: 'TLS key and certificate not loaded' });
    const { port } = await server.listen(0, '127.0.0.1');
    copyFileSync(c.certFile, join(dir, 'tls.crt'));
    copyFileSync(c.keyFile, join(dir, 'tls.key'));
    await sleep(300);
    expect((await httpsRequest(port, c.cert, { path: '/readyz' })).status).toBe(200);
  });

  it('reloads a rotated key and certificate without a restart, and keeps the old pair on a half rotation', async () => {
    const { port, ca, dir } = await start();
    const before = await peerFingerprint(port, ca);
    const next = makeCert(tempDir(), 'next', 'localhost');
    // Half a rotation: new certificate, old key: invalid pair, the old one stays in use.
    writeFileSync(join(dir, 'tls.crt'), next.cert);
    await sleep(300);
    expect(await peerFingerprint(port, ca)).toBe(before);
    writeFileSync(join(dir, 'tls.key'), next.key);
    await sleep(300);
    const after = await peerFingerprint(port, next.cert);
    expect(after).not.toBe(before);
    expect((await httpsRequest(port, next.cert, { path: '/healthz' })).status).toBe(200);
  });

  it('answers slow clients with 408 and keeps serving (headers, then body)', async () => {
    const { port, ca } = await start();
    const headers = await tlsSocket(port, ca);
    headers.write('POST /echo HTTP/1.1\r\nHost: x\r\n');
    const slowHeaders = readAll(headers, 3000);
    const body = await tlsSocket(port, ca);
    body.write('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":');
    const slowBody = readAll(body, 3000);
    const t0 = Date.now();
    expect(await slowHeaders).toMatch(/^HTTP\/1\.1 408/);
    expect(await slowBody).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - t0).toBeLessThan(2500);
    expect((await httpsRequest(port, ca, { path: '/healthz' })).status).toBe(200);
  });

  it('answers plain HTTP on the TLS port with a plain 400 and keeps serving; a silent client is dropped', async () => {
    const { port, ca } = await start({ handshakeTimeoutMs: 300 });
    const answer = await plainRequest(port, 'POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    expect(answer).toContain('this port speaks HTTPS only');
    const silent = await plainRequest(port, '', 2000);
    expect(silent).toBe('');
    expect((await httpsRequest(port, ca, { path: '/healthz' })).status).toBe(200);
  });

  it('shutdown: not ready at once, finishes requests in flight, then stops', async () => {
    const { server, port, ca } = await start({ shutdownDelayMs: 200 });
    const inflight = httpsRequest(port, ca, { path: '/slow', body: '{}' });
    await sleep(50);
    const stopping = server.shutdown('test');
    expect((await server.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    const r = await inflight;
    expect(r.status).toBe(200);
    await stopping;
    expect(server.inFlight()).toBe(0);
    await expect(httpsRequest(port, ca, { path: '/healthz' })).rejects.toThrow();
  });
});
