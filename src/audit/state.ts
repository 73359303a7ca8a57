/**
 * State of the stateful detections and of duplicate rate limiting. Every map is bounded by the named
 * limit `maxStateEntries`: when full, the oldest entry is evicted and counted (exported as a metric, and
 * reported once as `scan/limit-exceeded` by `analyze`), so memory depends on the limit, never on the
 * length of the log.
 */

/** An insertion-ordered map of at most `capacity` entries; `set` of a new key evicts the oldest. */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  evictions = 0;

  constructor(
    readonly name: string,
    readonly capacity: number,
  ) {}

  get size(): number {
    return this.map.size;
  }

  get(k: K): V | undefined {
    return this.map.get(k);
  }

  has(k: K): boolean {
    return this.map.has(k);
  }

  /** Insert or replace; a new key goes to the newest end. */
  set(k: K, v: V): void {
    if (!this.map.has(k) && this.map.size >= this.capacity) {
      const oldest = this.map.keys().next();
      if (!oldest.done) {
        this.map.delete(oldest.value);
        this.evictions++;
      }
    }
    this.map.set(k, v);
  }

  /** Move to the newest end (least-recently-used eviction for maps that need it). */
  touch(k: K, v: V): void {
    this.map.delete(k);
    this.set(k, v);
  }

  delete(k: K): void {
    this.map.delete(k);
  }

  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }
}

export interface ForbiddenWindow {
  start: number;
  count: number;
  reported: boolean;
}

export interface NamespaceWindow {
  start: number;
  readonly namespaces: Set<string>;
  reported: boolean;
}

export interface ExecRecord {
  readonly timeMs: number;
  readonly pod: string;
  readonly namespace: string;
  readonly user: string;
  readonly auditID: string;
}

export interface BindingRecord {
  readonly timeMs: number;
  readonly binding: string;
  readonly role: string;
  readonly auditID: string;
  readonly creator: string;
  reported: boolean;
}

export interface DedupEntry {
  readonly ruleId: string;
  windowStart: number;
  suppressed: number;
  /** Where the last suppressed event was (for the summary finding); `lastAuditID` '' when none. */
  lastPath: string;
  lastLine: number | undefined;
  lastAuditID: string;
  lastTime: string;
}

/**
 * Identity/verb/resource triples seen, without building a string per event: pairs of verb and
 * resource are interned once, and kept per identity. Bounded by `capacity` triples in total; when full,
 * the identity seen longest ago is forgotten (its triples counted as evictions).
 */
export class FirstSeen {
  private readonly byUser = new Map<string, Set<string>>();
  private readonly pairs = new Map<string, Map<string, string>>();
  private total = 0;
  evictions = 0;

  constructor(
    readonly name: string,
    readonly capacity: number,
  ) {}

  get size(): number {
    return this.total;
  }

  private pair(verb: string, resource: string): string {
    let m = this.pairs.get(verb);
    if (m === undefined) {
      m = new Map();
      this.pairs.set(verb, m);
    }
    let p = m.get(resource);
    if (p === undefined) {
      // The interning table is bounded too: verbs and resources come from the input.
      if (m.size >= this.capacity) m.clear();
      p = `${verb} ${resource}`;
      m.set(resource, p);
    }
    return p;
  }

  /** Record the triple; returns whether it was new. */
  add(user: string, verb: string, resource: string): boolean {
    const p = this.pair(verb, resource);
    let set = this.byUser.get(user);
    if (set === undefined) {
      set = new Set();
      this.byUser.set(user, set);
    } else if (set.has(p)) return false;
    while (this.total >= this.capacity && this.byUser.size > 0) {
      const oldest = this.byUser.entries().next();
      if (oldest.done) break;
      if (oldest.value[1] === set) break;
      this.byUser.delete(oldest.value[0]);
      this.total -= oldest.value[1].size;
      this.evictions += oldest.value[1].size;
    }
    set.add(p);
    this.total++;
    return true;
  }

  entries(): IterableIterator<[string, Set<string>]> {
    return this.byUser.entries();
  }
}

export class DetectionState {
  readonly forbidden: BoundedMap<string, ForbiddenWindow>;
  readonly secretNamespaces: BoundedMap<string, NamespaceWindow>;
  readonly execs: BoundedMap<string, ExecRecord>;
  readonly execsByServiceAccount: BoundedMap<string, ExecRecord>;
  readonly podServiceAccount: BoundedMap<string, string>;
  readonly dangerousRoles: BoundedMap<string, string>;
  /** New bindings to powerful roles by subject: users and service accounts by username, groups by name. */
  readonly newBindingUsers: BoundedMap<string, BindingRecord>;
  readonly newBindingGroups: BoundedMap<string, BindingRecord>;
  /** First-seen access: username → the verb/resource pairs seen (interned), bounded in total. */
  readonly firstSeen: FirstSeen;
  /** Duplicate rate limiting, one map per rule (each bounded by the limit). */
  readonly dedup = new Map<string, BoundedMap<string, DedupEntry>>();
  readonly reported: BoundedMap<string, true>;
  /** Event time of the first event (start of the first-seen learning window). */
  learningStart = NaN;

  constructor(readonly capacity: number) {
    const m = <V>(name: string): BoundedMap<string, V> => new BoundedMap<string, V>(name, capacity);
    this.forbidden = m('enumeration-burst');
    this.secretNamespaces = m('secrets-across-namespaces');
    this.execs = m('exec-then-secret-read/pods');
    this.execsByServiceAccount = m('exec-then-secret-read/service-accounts');
    this.podServiceAccount = m('pod-service-accounts');
    this.dangerousRoles = m('dangerous-roles');
    this.newBindingUsers = m('new-binding-used/users');
    this.newBindingGroups = m('new-binding-used/groups');
    this.firstSeen = new FirstSeen('first-seen-access', capacity);
    this.reported = m('reported-audit-ids');
  }

  maps(): readonly { readonly name: string; readonly capacity: number; readonly size: number; evictions: number }[] {
    return [this.forbidden, this.secretNamespaces, this.execs, this.execsByServiceAccount, this.podServiceAccount, this.dangerousRoles, this.newBindingUsers, this.newBindingGroups, this.firstSeen, this.reported, ...this.dedup.values()];
  }

  /** Total entries held (a gauge for metrics). */
  entries(): number {
    let n = 0;
    for (const m of this.maps()) n += m.size;
    return n;
  }
}
