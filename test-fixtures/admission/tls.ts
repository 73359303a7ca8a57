/**
 * Test certificates (self-signed, for 127.0.0.1 and localhost) made with `openssl` at test time (never
 * in src/), and small HTTPS/TCP clients for server tests on loopback.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { Agent } from 'node:https';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import type { TLSSocket } from 'node:tls';

export interface TestCert {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

export function tempDir(prefix = 'bulwark-adm-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A self-signed EC P-256 certificate for localhost/127.0.0.1 in `dir` (files `<name>.crt`, `<name>.key`). */
export function makeCert(dir: string, name = 'tls', cn = 'localhost'): TestCert {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

export interface HttpsResult {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

/** One HTTPS request to 127.0.0.1:`port` trusting `ca`. */
export function httpsRequest(port: number, ca: Buffer, o: { method?: string; path?: string; body?: string | Buffer; headers?: Record<string, string>; agent?: Agent } = {}): Promise<HttpsResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: o.method ?? (o.body === undefined ? 'GET' : 'POST'),
        path: o.path ?? '/',
        ca,
        servername: 'localhost',
        headers: { ...(o.body !== undefined && { 'content-type': 'application/json' }), ...o.headers },
        ...(o.agent !== undefined ? { agent: o.agent } : { agent: false }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

/** A raw TLS connection to 127.0.0.1:`port` (for slow clients). */
export function tlsSocket(port: number, ca: Buffer): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => resolve(s));
    s.on('error', reject);
  });
}

/** Everything the server sends on `socket` until it closes (or `ms` pass). */
export function readAll(socket: NodeJS.ReadableStream & { destroy(): void }, ms: number): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    const t = setTimeout(() => {
      socket.destroy();
      resolve(out);
    }, ms);
    socket.on('data', (d: Buffer) => (out += d.toString('utf8')));
    socket.on('close', () => {
      clearTimeout(t);
      resolve(out);
    });
    socket.on('error', () => undefined);
  });
}

/** Plain TCP: send `text`, read the answer. */
export function plainRequest(port: number, text: string, ms = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = netConnect(port, '127.0.0.1', () => s.write(text));
    s.on('error', reject);
    void readAll(s, ms).then(resolve);
  });
}

/** The certificate the server presents (DER, as a hex fingerprint). */
export function peerFingerprint(port: number, ca: Buffer): Promise<string> {
  return tlsSocket(port, ca).then((s) => {
    const fp = s.getPeerCertificate().fingerprint256;
    s.destroy();
    return fp;
  });
}
