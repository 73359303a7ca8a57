/**
 * Tenants: who is calling. API keys (`Authorization: Bearer …`) are kept only as SHA-256 hashes; a
 * presented key is hashed and compared with every configured hash in constant time (no early exit),
 * so neither the key nor which tenant it is close to leaks through timing. mTLS client identities
 * (of a certificate the TLS layer verified against the client CA) map to tenants by exact name:
 * `cn:NAME`, `uri:spiffe://…`, `dns:host`. Anonymous callers get a tenant only when one is configured.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { BulwarkError } from '../findings/index.js';
import type { BudgetLimits } from './budget/index.js';

export interface Tenant {
  readonly name: string;
  /** Budget limits of this tenant (the policy default when not set). */
  readonly limits: BudgetLimits;
}

export interface TenantInput {
  readonly name: string;
  /** SHA-256 of each key, hex (64 characters). */
  readonly keyHashes?: readonly string[];
  /** Client certificate identities (`cn:…`, `uri:…`, `dns:…`). */
  readonly identities?: readonly string[];
  readonly limits?: BudgetLimits;
}

/** A verified client certificate's names, as the TLS layer read them. */
export interface ClientIdentity {
  readonly cn?: string;
  readonly uris: readonly string[];
  readonly dns: readonly string[];
}

export type AuthResult = { readonly ok: true; readonly tenant: Tenant; readonly via: 'api-key' | 'mtls' | 'anonymous' } | { readonly ok: false; readonly reason: 'no-credentials' | 'bad-key' | 'unknown-identity' };

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export class TenantDirectory {
  private readonly hashes: { hash: Buffer; tenant: Tenant }[] = [];
  private readonly identities = new Map<string, Tenant>();
  readonly tenants: readonly Tenant[];

  constructor(
    inputs: readonly TenantInput[],
    defaults: BudgetLimits,
    /** Tenant name given to callers without credentials; undefined refuses them. */
    readonly anonymous?: string,
  ) {
    const out: Tenant[] = [];
    const names = new Set<string>();
    for (const t of inputs) {
      if (names.has(t.name)) throw new BulwarkError('CONFIG', `tenant ${JSON.stringify(t.name)} is defined twice`);
      names.add(t.name);
      const tenant: Tenant = { name: t.name, limits: t.limits ?? defaults };
      out.push(tenant);
      for (const h of t.keyHashes ?? []) {
        if (!/^[0-9a-f]{64}$/i.test(h)) throw new BulwarkError('CONFIG', `tenant ${t.name}: key hash must be 64 hex characters (sha256), got ${JSON.stringify(h.slice(0, 80))}`);
        this.hashes.push({ hash: Buffer.from(h.toLowerCase(), 'hex'), tenant });
      }
      for (const id of t.identities ?? []) {
        if (!/^(cn|uri|dns):.+$/.test(id)) throw new BulwarkError('CONFIG', `tenant ${t.name}: identity must be cn:NAME, uri:URI or dns:NAME, got ${JSON.stringify(id)}`);
        const prev = this.identities.get(id);
        if (prev !== undefined) throw new BulwarkError('CONFIG', `identity ${id} is mapped to both ${prev.name} and ${t.name}`);
        this.identities.set(id, tenant);
      }
    }
    if (anonymous !== undefined && !names.has(anonymous)) out.push({ name: anonymous, limits: defaults });
    this.tenants = out;
  }

  /** Whether any API key is configured. */
  get hasKeys(): boolean {
    return this.hashes.length > 0;
  }

  tenant(name: string): Tenant | undefined {
    return this.tenants.find((t) => t.name === name);
  }

  /** By API key: the hash of `key` against every configured hash, without early exit. */
  byKey(key: string): Tenant | undefined {
    const h = createHash('sha256').update(key, 'utf8').digest();
    let found: Tenant | undefined;
    for (const e of this.hashes) if (timingSafeEqual(h, e.hash) && found === undefined) found = e.tenant;
    return found;
  }

  byIdentity(id: ClientIdentity): Tenant | undefined {
    for (const u of id.uris) {
      const t = this.identities.get(`uri:${u}`);
      if (t !== undefined) return t;
    }
    for (const d of id.dns) {
      const t = this.identities.get(`dns:${d}`);
      if (t !== undefined) return t;
    }
    return id.cn === undefined ? undefined : this.identities.get(`cn:${id.cn}`);
  }

  /**
   * Who is calling: an `Authorization: Bearer` key first (a wrong key is refused even with a valid
   * certificate), then the client certificate, then the anonymous tenant when configured. When no key
   * is configured at all there is nothing to check a key against, so the header is ignored: OpenAI
   * clients always send one (`api_key="EMPTY"` for vLLM), and the quick start's anonymous tenant must
   * serve them; it gives them nothing a caller without the header does not get.
   */
  authenticate(authorization: string | undefined, identity: ClientIdentity | undefined): AuthResult {
    if (authorization !== undefined && authorization !== '' && this.hasKeys) {
      const key = BEARER.exec(authorization)?.[1];
      const t = key === undefined ? undefined : this.byKey(key);
      return t === undefined ? { ok: false, reason: 'bad-key' } : { ok: true, tenant: t, via: 'api-key' };
    }
    if (identity !== undefined) {
      const t = this.byIdentity(identity);
      if (t !== undefined) return { ok: true, tenant: t, via: 'mtls' };
      if (this.anonymous === undefined) return { ok: false, reason: 'unknown-identity' };
    }
    if (this.anonymous !== undefined) {
      const t = this.tenant(this.anonymous);
      if (t !== undefined) return { ok: true, tenant: t, via: 'anonymous' };
    }
    return { ok: false, reason: 'no-credentials' };
  }
}
