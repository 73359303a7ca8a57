/**
 * The admission webhook: answers to good and bad input through fastify `inject()` (no sockets), a
 * fuzz test of random bodies and reviews, the CLI's `review` and `export`, and — on real HTTPS on
 * loopback, against the built CLI — SIGTERM under load losing no request that was sent before it.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCert, tempDir } from '../../../test-fixtures/admission/tls.js';
import type { TestCert } from '../../../test-fixtures/admission/tls.js';
import type { AdmissionSettings } from '../../admission/index.js';
import { DEFAULT_SETTINGS, makeAdmissionReview } from '../../admission/index.js';
import type { JsonObject } from '../../k8s-manifests/index.js';
import { resolveLimits } from '../../limits/index.js';
import type { BulwarkServer } from '../../server/index.js';
import { createLogger, createServer } from '../../server/index.js';
import { admissionRoutes, parseDuration } from './admission.js';

const ROOT = join(import.meta.dirname, '../../..');
const CLI = join(ROOT, 'dist/src/cli/main.js');

const privileged = (): JsonObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ml' },
  spec: { containers: [{ name: 'app', image: 'nginx', securityContext: { privileged: true } }] },
});

let server: BulwarkServer;
let cert: TestCert;
const settings: AdmissionSettings = { ...DEFAULT_SETTINGS, defaults: { ...DEFAULT_SETTINGS.defaults, enforce: { level: 'baseline', version: 'latest' } } };

beforeAll(async () => {
  cert = makeCert(tempDir());
  server = await createServer(
    { service: 'bulwark-admission', tls: { certFile: cert.certFile, keyFile: cert.keyFile }, bodyLimit: 64 * 1024, logger: createLogger('t', 'silent') },
    admissionRoutes({ settings, limits: resolveLimits({ maxEventBytes: 64 * 1024 }) }),
  );
});
afterAll(async () => server.shutdown('test end'));

const post = (url: string, payload: string | Buffer, contentType = 'application/json') => server.app.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType } });

describe('admission webhook answers', () => {
  it('POST /validate: a review for a review (cluster defaults)', async () => {
    const r = await post('/validate', JSON.stringify(makeAdmissionReview({ uid: 'a1', object: privileged() })));
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'a1', allowed: false, status: { code: 403 } } });
  });

  it('POST /validate/{mode}/{level}/{version}: the policy the namespaceSelector routed', async () => {
    const body = JSON.stringify(makeAdmissionReview({ uid: 'a2', object: privileged() }));
    expect((await post('/validate/enforce/privileged/latest', body)).json()).toMatchObject({ response: { allowed: true } });
    expect((await post('/validate/warn/restricted/v1.30', body)).json()).toMatchObject({ response: { allowed: true, warnings: expect.arrayContaining([expect.stringContaining('would violate "restricted:v1.30": k8s/pss-privileged')]) } });
    expect((await post('/validate/audit/baseline/latest', body)).json()).toMatchObject({ response: { allowed: true, auditAnnotations: { 'audit-violations': expect.stringContaining('k8s/pss-privileged') } } });
    expect((await post('/validate/enforce/invalid/latest', body)).json()).toMatchObject({ response: { allowed: false, auditAnnotations: { error: expect.stringContaining('invalid label') } } });
    expect((await post('/validate/enforce/strict/latest', body)).statusCode).toBe(404);
  });

  it('POST /mutate: a JSON Patch', async () => {
    const r = await post('/mutate', JSON.stringify(makeAdmissionReview({ uid: 'm', object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containers: [{ name: 'a', image: 'x' }] } } })));
    expect(r.json()).toMatchObject({ response: { uid: 'm', allowed: true, patchType: 'JSONPatch' } });
  });

  it('bad input gets 400/413/415 with a message; a wrong object gets a denied review', async () => {
    const cases: [string | Buffer, number, RegExp, string?][] = [
      ['{"apiVersion":', 400, /malformed JSON/],
      ['', 400, /expected a JSON AdmissionReview body/],
      [JSON.stringify({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: { uid: 'x' } }), 400, /unsupported apiVersion/],
      [JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'Pod' }), 400, /kind is "Pod"/],
      [JSON.stringify({ ...makeAdmissionReview({ uid: 'x', object: privileged() }), request: { ...(makeAdmissionReview({ uid: 'x', object: privileged() })['request'] as JsonObject), uid: '' } }), 400, /request\.uid/],
      [Buffer.alloc(70 * 1024, 0x20), 413, /larger than 65536 bytes/],
      ['{}', 415, /content type must be application\/json/, 'text/plain'],
    ];
    for (const [body, status, re, ct] of cases) {
      const r = await post('/validate', body, ct);
      expect(r.statusCode, String(re)).toBe(status);
      expect((r.json() as { error: string }).error).toMatch(re);
    }
    const wrong = makeAdmissionReview({ uid: 'w', object: privileged() });
    (wrong['request'] as JsonObject)['object'] = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } };
    expect((await post('/validate', JSON.stringify(wrong))).json()).toMatchObject({ response: { uid: 'w', allowed: false, status: { message: expect.stringContaining('scan/malformed-input') } } });
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('metrics: decisions by rule, mode and result; latency; in flight', async () => {
    const text = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/bulwark_admission_decisions_total\{rule="k8s\/pss-privileged",mode="enforce",result="denied"\} \d+/);
    expect(text).toMatch(/bulwark_admission_reviews_total\{endpoint="validate",result="bad-request",reason="bad-request"\} \d+/);
    expect(text).toContain('bulwark_admission_review_duration_seconds_bucket');
    expect(text).toContain('bulwark_http_requests_in_flight');
  });

  it('fuzz: random bodies and random reviews never crash the server', async () => {
    const base = makeAdmissionReview({ uid: 'f', object: privileged() });
    const reviewArb = fc.record({
      apiVersion: fc.oneof(fc.constant('admission.k8s.io/v1'), fc.string()),
      kind: fc.oneof(fc.constant('AdmissionReview'), fc.jsonValue()),
      request: fc.oneof(
        fc.constant(base['request']),
        fc.record({
          uid: fc.oneof(fc.string({ minLength: 1 }), fc.jsonValue()),
          kind: fc.oneof(fc.constant({ group: '', version: 'v1', kind: 'Pod' }), fc.constant({ group: 'apps', version: 'v1', kind: 'Deployment' }), fc.jsonValue()),
          resource: fc.oneof(fc.constant({ group: '', version: 'v1', resource: 'pods' }), fc.constant({ group: 'apps', version: 'v1', resource: 'deployments' }), fc.jsonValue()),
          operation: fc.constantFrom('CREATE', 'UPDATE', 'DELETE', 'CONNECT', 'PATCH'),
          subResource: fc.option(fc.constantFrom('status', 'ephemeralcontainers', 'scale'), { nil: undefined }),
          object: fc.oneof(fc.jsonValue(), fc.constant(privileged()), fc.record({ apiVersion: fc.constant('v1'), kind: fc.constant('Pod'), spec: fc.jsonValue() })),
          oldObject: fc.option(fc.jsonValue(), { nil: undefined }),
        }),
      ),
    });
    const bodyArb = fc.oneof(
      reviewArb.map((v) => JSON.stringify(v)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
    );
    await fc.assert(
      fc.asyncProperty(bodyArb, fc.constantFrom('/validate', '/validate/enforce/restricted/latest', '/validate/warn/baseline/v1.25', '/mutate'), async (body, url) => {
        const r = await post(url, body);
        expect([200, 400, 413]).toContain(r.statusCode);
        if (r.statusCode === 200) {
          const j = r.json() as { apiVersion: string; response: { uid: string; allowed: boolean } };
          expect(j.apiVersion).toBe('admission.k8s.io/v1');
          expect(typeof j.response.allowed).toBe('boolean');
        }
      }),
      { numRuns: 400, seed: 7 },
    );
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('parses durations', () => {
    expect(parseDuration('--x', '5s')).toBe(5000);
    expect(parseDuration('--x', '250ms')).toBe(250);
    expect(parseDuration('--x', '2m')).toBe(120000);
    expect(() => parseDuration('--x', 'soon')).toThrow(/duration/);
  });
});

describe.skipIf(!existsSync(CLI))('bulwark admission (built CLI)', () => {
  it('review: exit 0 allowed, 1 denied, 2 bad input; prints the response review', () => {
    const dir = tempDir();
    const file = join(dir, 'review.json');
    writeFileSync(file, JSON.stringify(makeAdmissionReview({ uid: 'cli', object: privileged() })));
    const denied = spawnSync(process.execPath, [CLI, 'admission', 'review', file, '--namespace-label', 'bulwark.dev/enforce=baseline', '--no-config'], { encoding: 'utf8' });
    expect(denied.status).toBe(1);
    expect(JSON.parse(denied.stdout)).toMatchObject({ response: { uid: 'cli', allowed: false } });
    const allowed = spawnSync(process.execPath, [CLI, 'admission', 'review', '-', '--no-config'], { encoding: 'utf8', input: JSON.stringify(makeAdmissionReview({ uid: 'cli2', object: privileged() })) });
    expect(allowed.status).toBe(0);
    const yaml = join(dir, 'review.yaml');
    writeFileSync(yaml, 'apiVersion: admission.k8s.io/v1\nkind: AdmissionReview\nrequest: {uid: yaml-1, kind: {group: "", version: v1, kind: Pod}, resource: {group: "", version: v1, resource: pods}, operation: CREATE, object: {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {hostNetwork: yes, containers: [{name: a, image: x}]}}}\n');
    const y = spawnSync(process.execPath, [CLI, 'admission', 'review', yaml, '--default-enforce', 'baseline', '--no-config'], { encoding: 'utf8' });
    expect(y.status).toBe(1);
    expect(y.stdout).toContain('hostNetwork');
    const bad = spawnSync(process.execPath, [CLI, 'admission', 'review', '-', '--no-config'], { encoding: 'utf8', input: '{"kind":"AdmissionReview"}' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^bulwark: stdin: unsupported apiVersion/);
  });

  it('reads the admission: section of the configuration file; flags win over it', () => {
    const dir = tempDir();
    const review = JSON.stringify(makeAdmissionReview({ uid: 'cfg', object: privileged() }));
    const cfg = join(dir, 'bulwark.yaml');
    writeFileSync(cfg, 'version: 1\nadmission:\n  defaults: { enforce: baseline, version: v1.30 }\n  exemptions: { namespaces: [gpu-operator] }\n');
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, 'admission', 'review', '-', '--config', cfg, ...args], { encoding: 'utf8', input: review });
    const denied = run();
    expect(denied.status).toBe(1);
    expect(denied.stdout).toContain('baseline:v1.30');
    expect(run('--default-enforce', 'privileged').status).toBe(0);
    const exempt = spawnSync(process.execPath, [CLI, 'admission', 'review', '-', '--config', cfg], { encoding: 'utf8', input: review.replaceAll('"ml"', '"gpu-operator"') });
    expect(exempt.status).toBe(0);
    writeFileSync(cfg, 'version: 1\nadmission:\n  defaults: { enforce: strict }\n');
    const bad = run();
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/bulwark\.yaml:3:\d+: admission\.defaults\.enforce must be one of privileged, baseline, restricted, got "strict"/);
  });

  it('export --format vap prints policies and bindings', () => {
    const r = spawnSync(process.execPath, [CLI, 'admission', 'export', '--format', 'vap', '--pss-version', 'v1.30', '--no-config'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('kind: ValidatingAdmissionPolicy\n');
    expect(r.stdout).toContain('name: bulwark-enforce-restricted-v1-30');
  });

  it('SIGTERM under load: every request sent before the signal gets its answer', { timeout: 60_000 }, async () => {
    const c = makeCert(tempDir());
    const child: ChildProcess = spawn(process.execPath, [CLI, 'admission', 'serve', '--tls-cert', c.certFile, '--tls-key', c.keyFile, '--port', '0', '--host', '127.0.0.1', '--default-enforce', 'restricted', '--no-config'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let port = 0;
    for (let i = 0; i < 100 && port === 0; i++) {
      await sleep(100);
      const m = /"event":"listening","port":(\d+)/.exec(out);
      if (m?.[1]) port = Number(m[1]);
    }
    expect(port).toBeGreaterThan(0);
    const agent = new Agent({ keepAlive: true, maxSockets: 8, ca: c.cert });
    const body = JSON.stringify(makeAdmissionReview({ uid: 'load', object: privileged() }));
    interface Outcome {
      sentAt: number;
      ok: boolean;
      error?: string;
    }
    const outcomes: Outcome[] = [];
    const send = (split: boolean): Promise<void> =>
      new Promise((resolve) => {
        const o: Outcome = { sentAt: Date.now(), ok: false };
        outcomes.push(o);
        const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/validate', agent, servername: 'localhost', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString('utf8')));
          res.on('end', () => {
            o.ok = res.statusCode === 200 && (JSON.parse(text) as { response: { uid: string } }).response.uid === 'load';
            resolve();
          });
        });
        req.on('error', (e) => {
          o.error = e.message;
          resolve();
        });
        if (split) {
          req.write(body.slice(0, 100));
          setTimeout(() => req.end(body.slice(100)), 400);
        } else req.end(body);
      });
    let stop = false;
    const loops = Array.from({ length: 6 }, async () => {
      while (!stop) await send(false);
    });
    await sleep(500);
    const slow = [send(true), send(true)];
    await sleep(50);
    const signalAt = Date.now();
    child.kill('SIGTERM');
    await sleep(300);
    stop = true;
    await Promise.all([...loops, ...slow]);
    const code = await exited;
    agent.destroy();
    const before = outcomes.filter((o) => o.sentAt < signalAt);
    expect(before.length).toBeGreaterThan(20);
    expect(before.filter((o) => !o.ok).map((o) => o.error ?? 'bad answer')).toEqual([]);
    expect(code).toBe(0);
    expect(out).toContain('"event":"stopped"');
  });
});
