/**
 * Starts the gateway (the shared server + `gatewayRoutes`) in front of a test upstream on loopback,
 * with an in-memory audit log and finding list, for the gateway's integration tests.
 */
import { Writable } from 'node:stream';
import type { Finding } from '../../src/findings/index.js';
import type { AuditRecord, GatewayHandle, GatewaySettings, TenantInput, UpstreamInput } from '../../src/gateway/index.js';
import { NdjsonAuditLog, TenantDirectory, sha256Hex, upstreamPolicy } from '../../src/gateway/index.js';
import type { BudgetStore } from '../../src/gateway/budget/index.js';
import { memoryBudgetStore } from '../../src/gateway/budget/index.js';
import type { BulwarkServer, ServerOptions } from '../../src/server/index.js';
import { createLogger, createServer } from '../../src/server/index.js';
import type { TestUpstream, TestUpstreamOptions } from './upstream.js';
import { startTestUpstream } from './upstream.js';

export const UNLIMITED = { requestsPerSecond: 0, requestBurst: 0, tokensPerMinute: 0, maxConcurrent: 0, maxQueue: 0, queueTimeoutMs: 0 };

export interface Harness {
  readonly upstream: TestUpstream;
  readonly server: BulwarkServer;
  readonly port: number;
  readonly base: string;
  readonly audit: AuditRecord[];
  readonly findings: Finding[];
  readonly handle: GatewayHandle;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  readonly upstream?: TestUpstreamOptions;
  readonly tenants?: readonly TenantInput[];
  readonly anonymous?: string;
  readonly budgets?: BudgetStore;
  readonly server?: Partial<ServerOptions>;
  readonly settings?: Partial<GatewaySettings>;
  readonly upstreamPolicy?: Partial<UpstreamInput>;
}

export async function startGateway(o: HarnessOptions = {}): Promise<Harness> {
  const upstream = await startTestUpstream(o.upstream ?? {});
  const audit: AuditRecord[] = [];
  const findings: Finding[] = [];
  const auditOut = new Writable({
    write(chunk: Buffer, _e, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l !== '') audit.push(JSON.parse(l) as AuditRecord);
      cb();
    },
  });
  const tenants = new TenantDirectory(o.tenants ?? [{ name: 'team-a', keyHashes: [sha256Hex('key-a')] }, { name: 'team-b', keyHashes: [sha256Hex('key-b')] }], UNLIMITED, o.anonymous);
  let handle: GatewayHandle | undefined;
  const { gatewayRoutes } = await import('../../src/gateway/index.js');
  const settings: GatewaySettings = {
    upstreams: [upstreamPolicy({ name: 'test', url: upstream.url, kind: 'openai', ...o.upstreamPolicy })],
    tenants,
    leaks: { canaries: ['CANARY-7f3a9'], protectedTexts: [], secrets: true },
    budgets: o.budgets ?? memoryBudgetStore(),
    audit: new NdjsonAuditLog(auditOut),
    onFinding: (f) => findings.push(f),
    ...o.settings,
  };
  const server = await createServer(
    { service: 'gateway-test', plainHttp: true, healthRoutes: false, bodyLimit: 16 * 1024 * 1024, headersTimeoutMs: 1000, requestTimeoutMs: 30_000, drainTimeoutMs: 5000, logger: createLogger('gateway-test', 'silent'), ...o.server },
    gatewayRoutes(settings, (h) => (handle = h)),
  );
  const addr = await server.listen(0, '127.0.0.1');
  if (handle === undefined) throw new Error('no gateway handle');
  return {
    upstream,
    server,
    port: addr.port,
    base: `${server.plain ? 'http' : 'https'}://127.0.0.1:${addr.port}`,
    audit,
    findings,
    handle,
    stop: async () => {
      await server.shutdown('test end');
      await upstream.close();
    },
  };
}
