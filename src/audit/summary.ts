/**
 * "Who did what to which sensitive resources": successful requests on the resources an attacker goes
 * for (Secrets, sensitive ConfigMaps, exec/attach/port-forward, tokens, RBAC and admission writes, CSR
 * approvals, the node proxy, impersonation), aggregated by identity, verb, resource and namespace, with
 * a few object names each. Bounded by `maxStateEntries` rows; what does not fit is counted.
 */
import type { AuditEvent } from './event.js';
import type { AuditPolicy, IdentityClass } from './policy.js';

const READ = new Set(['get', 'list', 'watch']);
const WRITE = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/** Which requests count as sensitive, by `resource[/subresource]` (data). */
const SENSITIVE: Readonly<Record<string, 'read' | 'write' | 'any'>> = {
  secrets: 'any',
  'pods/exec': 'any',
  'pods/attach': 'any',
  'pods/portforward': 'any',
  'pods/ephemeralcontainers': 'write',
  'serviceaccounts/token': 'write',
  roles: 'write',
  clusterroles: 'write',
  rolebindings: 'write',
  clusterrolebindings: 'write',
  mutatingwebhookconfigurations: 'write',
  validatingwebhookconfigurations: 'write',
  validatingadmissionpolicies: 'write',
  validatingadmissionpolicybindings: 'write',
  'certificatesigningrequests/approval': 'write',
  'nodes/proxy': 'any',
};

/** Object names kept per row (a sample, for the reader). */
const NAMES_PER_ROW = 5;

export interface SummaryRow {
  readonly user: string;
  readonly identity: IdentityClass;
  readonly verb: string;
  readonly resource: string;
  readonly namespace: string;
  count: number;
  readonly names: string[];
  /** First and last event time seen (RFC 3339). */
  first: string;
  last: string;
}

export class ActivitySummary {
  private readonly rows = new Map<string, SummaryRow>();
  /** Sensitive requests not kept because the table was full (`maxStateEntries`). */
  overflow = 0;

  constructor(
    private readonly policy: AuditPolicy,
    private readonly capacity: number,
  ) {}

  /** Audit IDs of streams already counted (exec/attach/port-forward log ResponseStarted and ResponseComplete, both 101). */
  private readonly streams = new Set<string>();

  /** One request, at ResponseComplete (or ResponseStarted for a 101 stream, counted once per audit ID). */
  observe(e: AuditEvent, identity: IdentityClass): void {
    if (!(e.success || e.code === 101)) return;
    if (e.code === 101 && e.auditID !== '') {
      if (this.streams.has(e.auditID)) return;
      if (this.streams.size >= this.capacity) this.streams.clear();
      this.streams.add(e.auditID);
    }
    let kind = SENSITIVE[e.res];
    if (kind === undefined && e.resource === 'configmaps' && e.subresource === '' && READ.has(e.verb) && (e.name === undefined ? e.namespace === undefined || this.policy.systemNamespaces(e.namespace) : this.policy.sensitiveConfigMaps(e.name))) kind = 'read';
    const impersonated = e.impersonatedUser !== undefined;
    if (kind === undefined && !impersonated) return;
    if (kind === 'read' && !READ.has(e.verb)) return;
    if (kind === 'write' && !WRITE.has(e.verb)) return;
    const user = impersonated ? `${e.user.username} as ${e.impersonatedUser?.username ?? ''}` : e.user.username;
    const resource = e.qualifiedResource || e.requestURI;
    const key = `${user}\0${e.verb}\0${resource}\0${e.namespace ?? ''}`;
    let row = this.rows.get(key);
    if (row === undefined) {
      if (this.rows.size >= this.capacity) {
        this.overflow++;
        return;
      }
      row = { user, identity, verb: e.verb, resource, namespace: e.namespace ?? '', count: 0, names: [], first: e.timestamp, last: e.timestamp };
      this.rows.set(key, row);
    }
    row.count++;
    row.last = e.timestamp;
    if (e.name !== undefined && row.names.length < NAMES_PER_ROW && !row.names.includes(e.name)) row.names.push(e.name);
  }

  /** Rows, most requests first. */
  table(): SummaryRow[] {
    return [...this.rows.values()].sort((a, b) => b.count - a.count || (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));
  }
}
