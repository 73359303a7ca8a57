/**
 * NetworkPolicy objects read the way the API server and network plugins read them
 * (networking/v1 `NetworkPolicySpec`, defaults and validation in kubernetes `pkg/apis/networking`):
 *
 * - `spec.podSelector` is a non-pointer struct: missing = `{}` = every pod of the policy's namespace.
 * - `policyTypes` defaults to `["Ingress"]`, plus `"Egress"` when `spec.egress` has at least one rule
 *   (`len(spec.Egress) != 0`: `egress: []` alone does NOT make the policy an egress policy).
 *   Rules of a direction not listed in `policyTypes` are ignored.
 * - A rule with no (or an empty) `from`/`to` allows every peer; with no (or empty) `ports`, every port.
 *   A rule `{}` therefore allows everything; a direction with no rules allows nothing.
 * - Peers in a list are ORed. Inside ONE peer, `namespaceSelector` and `podSelector` are ANDed (pods
 *   matching podSelector in namespaces matching namespaceSelector); `podSelector` alone means the
 *   policy's namespace; `namespaceSelector` alone means every pod of those namespaces; `{}` selectors
 *   select everything. A peer with neither (`- {}`) is rejected by validation ("must specify a peer"),
 *   as is `ipBlock` combined with a selector.
 * - `ipBlock.cidr` minus `except` (each except must lie inside the cidr). 0.0.0.0/0 or ::/0 (or any
 *   set of blocks covering a whole address family) is "any address".
 * - Ports: `protocol` defaults to TCP; `port` is a number or a named container port; `endPort` needs a
 *   numeric `port`. An entry without `port` matches every port of its protocol.
 *
 * Objects the API server would reject (invalid selector, empty peer, bad CIDR…) never exist in a
 * cluster: they are kept with their `problems` and ignored by the verdicts.
 */
import type { FieldPath, ManifestObject } from '../model.js';
import type { IpRange } from './cidr.js';
import { coversFamily, parseCidr, subtractRanges } from './cidr.js';
import type { CompiledSelector } from './label-selector.js';
import { compileLabelSelector } from './label-selector.js';
import { asArray, asString, isObject } from './json-util.js';

export type Direction = 'ingress' | 'egress';
export const DIRECTIONS: readonly Direction[] = ['ingress', 'egress'];

export interface PortSpec {
  readonly protocol: string;
  /** Number, name of a container port, or undefined = every port of the protocol. */
  readonly port?: number | string;
  readonly endPort?: number;
}

export type Ports = 'all' | readonly PortSpec[];

export type Peer =
  | {
      readonly kind: 'pods';
      readonly path: FieldPath;
      /** Absent = every pod (of the selected namespaces). */
      readonly podSelector?: CompiledSelector;
      /** Absent = the policy's own namespace. */
      readonly namespaceSelector?: CompiledSelector;
    }
  | {
      readonly kind: 'ipBlock';
      readonly path: FieldPath;
      readonly cidr: string;
      readonly except: readonly string[];
      /** cidr minus except. */
      readonly ranges: readonly IpRange[];
    };

export interface PolicyRule {
  readonly direction: Direction;
  readonly index: number;
  /** `spec.ingress[i]` / `spec.egress[i]`. */
  readonly path: FieldPath;
  /** `any` when `from`/`to` is missing or empty. */
  readonly peers: 'any' | readonly Peer[];
  readonly ports: Ports;
  /** Every source/destination: no peer restriction, or ipBlocks covering a whole address family. */
  readonly anyPeer: boolean;
  /** Where the "any peer" comes from (the rule, or the covering ipBlock) for findings. */
  readonly anyPeerPath?: FieldPath;
  /** Every pod of every namespace (namespaceSelector `{}` with podSelector `{}` or absent). */
  readonly allPods: boolean;
  /** anyPeer on every port: the rule allows everything. */
  readonly allowAll: boolean;
}

export interface PolicyProblem {
  readonly path: FieldPath;
  readonly message: string;
}

export interface NetworkPolicyDef {
  readonly object: ManifestObject;
  readonly name: string;
  readonly namespace: string;
  readonly podSelector: CompiledSelector;
  readonly types: Readonly<Record<Direction, boolean>>;
  /** `policyTypes` written in the manifest (not defaulted). */
  readonly typesExplicit: boolean;
  readonly rules: Readonly<Record<Direction, readonly PolicyRule[]>>;
  /** Reasons the API server would reject the object; a policy with problems is ignored. */
  readonly problems: readonly PolicyProblem[];
  /** Directions with rules that `policyTypes` excludes (the rules have no effect). */
  readonly ignoredRules: readonly Direction[];
  /**
   * `egress: []` without `policyTypes`: looks like "deny all egress" but, by the defaulting rule,
   * leaves the policy ingress-only.
   */
  readonly emptyEgressIgnored: boolean;
}

const PROTOCOLS = new Set(['TCP', 'UDP', 'SCTP']);
const IANA_SVC_NAME = /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/;

export function isNetworkPolicy(obj: ManifestObject): boolean {
  return obj.kind === 'NetworkPolicy' && (obj.apiVersion === 'networking.k8s.io/v1' || obj.apiVersion === 'extensions/v1beta1');
}

function selectorAt(raw: unknown, path: FieldPath, problems: PolicyProblem[]): CompiledSelector {
  const sel = compileLabelSelector(raw, 'everything');
  if (sel.kind === 'invalid') problems.push({ path, message: `invalid label selector: ${sel.reason}` });
  return sel;
}

function readPorts(raw: unknown, path: FieldPath, problems: PolicyProblem[]): Ports {
  const list = asArray(raw);
  if (list.length === 0) return 'all';
  const out: PortSpec[] = [];
  list.forEach((p, i) => {
    const pp: FieldPath = [...path, i];
    if (!isObject(p)) {
      problems.push({ path: pp, message: 'port entry is not a mapping' });
      return;
    }
    const protocol = p['protocol'] === undefined || p['protocol'] === null ? 'TCP' : p['protocol'];
    if (typeof protocol !== 'string' || !PROTOCOLS.has(protocol)) {
      problems.push({ path: [...pp, 'protocol'], message: `protocol must be TCP, UDP or SCTP` });
      return;
    }
    const port = p['port'];
    const endPort = p['endPort'];
    let spec: PortSpec = { protocol };
    if (typeof port === 'number') {
      if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push({ path: [...pp, 'port'], message: 'port must be 1-65535' });
      spec = { protocol, port };
    } else if (typeof port === 'string') {
      // IntOrString: a numeric string is NOT a number for the API (it is a name and fails validation).
      if (!IANA_SVC_NAME.test(port)) problems.push({ path: [...pp, 'port'], message: `port ${JSON.stringify(port)} is not a valid port name` });
      spec = { protocol, port };
    } else if (port !== undefined && port !== null) {
      problems.push({ path: [...pp, 'port'], message: 'port must be a number or a port name' });
    }
    if (endPort !== undefined && endPort !== null) {
      if (typeof endPort !== 'number' || !Number.isInteger(endPort) || typeof spec.port !== 'number' || endPort < spec.port || endPort > 65535) {
        problems.push({ path: [...pp, 'endPort'], message: 'endPort needs a numeric port and must be between port and 65535' });
      } else spec = { ...spec, endPort };
    }
    out.push(spec);
  });
  return out;
}

function readPeer(raw: unknown, path: FieldPath, problems: PolicyProblem[]): Peer | undefined {
  if (!isObject(raw)) {
    problems.push({ path, message: 'peer is not a mapping' });
    return undefined;
  }
  const hasPod = raw['podSelector'] !== undefined && raw['podSelector'] !== null;
  const hasNs = raw['namespaceSelector'] !== undefined && raw['namespaceSelector'] !== null;
  const ip = raw['ipBlock'];
  const hasIp = ip !== undefined && ip !== null;
  if (!hasPod && !hasNs && !hasIp) {
    problems.push({ path, message: 'a peer must specify podSelector, namespaceSelector or ipBlock (an empty peer is rejected)' });
    return undefined;
  }
  if (hasIp) {
    if (hasPod || hasNs) problems.push({ path, message: 'ipBlock may not be combined with podSelector or namespaceSelector' });
    const cidr = asString(getPath(ip, 'cidr'));
    const range = parseCidr(cidr);
    if (cidr === undefined || !range) {
      problems.push({ path: [...path, 'ipBlock', 'cidr'], message: `invalid CIDR ${JSON.stringify(cidr ?? null)}` });
      return undefined;
    }
    const except: string[] = [];
    const holes: IpRange[] = [];
    asArray(getPath(ip, 'except')).forEach((e, i) => {
      const r = parseCidr(e);
      if (typeof e !== 'string' || !r || r.family !== range.family || r.start < range.start || r.end > range.end || (r.start === range.start && r.end === range.end)) {
        problems.push({ path: [...path, 'ipBlock', 'except', i], message: `except ${JSON.stringify(e)} must be a CIDR strictly inside ${cidr}` });
        return;
      }
      except.push(e);
      holes.push(r);
    });
    return { kind: 'ipBlock', path, cidr, except, ranges: subtractRanges(range, holes) };
  }
  return {
    kind: 'pods',
    path,
    ...(hasPod && { podSelector: selectorAt(raw['podSelector'], [...path, 'podSelector'], problems) }),
    ...(hasNs && { namespaceSelector: selectorAt(raw['namespaceSelector'], [...path, 'namespaceSelector'], problems) }),
  };
}

function getPath(v: unknown, k: string): unknown {
  return isObject(v) ? v[k] : undefined;
}

function readRule(raw: unknown, direction: Direction, index: number, problems: PolicyProblem[]): PolicyRule | undefined {
  const path: FieldPath = ['spec', direction, index];
  if (raw === null) raw = {}; // `- ~` decodes to an empty rule
  if (!isObject(raw)) {
    problems.push({ path, message: 'rule is not a mapping' });
    return undefined;
  }
  const peerKey = direction === 'ingress' ? 'from' : 'to';
  const rawPeers = asArray(raw[peerKey]);
  const peers: Peer[] = [];
  rawPeers.forEach((p, i) => {
    const peer = readPeer(p, [...path, peerKey, i], problems);
    if (peer) peers.push(peer);
  });
  const ports = readPorts(raw['ports'], [...path, 'ports'], problems);
  let anyPeer = rawPeers.length === 0;
  let anyPeerPath: FieldPath | undefined = anyPeer ? path : undefined;
  if (!anyPeer) {
    const ranges = peers.flatMap((p) => (p.kind === 'ipBlock' ? p.ranges : []));
    if (coversFamily(ranges, 4) || coversFamily(ranges, 6)) {
      anyPeer = true;
      const first = peers.find((p) => p.kind === 'ipBlock');
      anyPeerPath = first ? [...first.path, 'ipBlock', 'cidr'] : path;
    }
  }
  const allPods =
    anyPeer ||
    peers.some((p) => p.kind === 'pods' && p.namespaceSelector?.kind === 'everything' && (p.podSelector === undefined || p.podSelector.kind === 'everything'));
  return {
    direction,
    index,
    path,
    peers: rawPeers.length === 0 ? 'any' : peers,
    ports,
    anyPeer,
    ...(anyPeerPath !== undefined && { anyPeerPath }),
    allPods,
    allowAll: anyPeer && ports === 'all',
  };
}

export function readNetworkPolicy(obj: ManifestObject): NetworkPolicyDef | undefined {
  if (!isNetworkPolicy(obj)) return undefined;
  const problems: PolicyProblem[] = [];
  const spec = isObject(obj.value['spec']) ? obj.value['spec'] : {};
  const podSelector = selectorAt(spec['podSelector'], ['spec', 'podSelector'], problems);
  const rawTypes = spec['policyTypes'];
  const typesList = asArray(rawTypes);
  const typesExplicit = typesList.length > 0;
  const types: Record<Direction, boolean> = { ingress: false, egress: false };
  if (typesExplicit) {
    typesList.forEach((t, i) => {
      if (t === 'Ingress') types.ingress = true;
      else if (t === 'Egress') types.egress = true;
      else problems.push({ path: ['spec', 'policyTypes', i], message: `policyTypes entry ${JSON.stringify(t)} is not Ingress or Egress` });
    });
  } else {
    // SetDefaults_NetworkPolicy: Ingress, plus Egress when there is at least one egress rule.
    types.ingress = true;
    types.egress = asArray(spec['egress']).length > 0;
  }
  const rules: Record<Direction, PolicyRule[]> = { ingress: [], egress: [] };
  for (const d of ['ingress', 'egress'] as const) {
    asArray(spec[d]).forEach((raw, i) => {
      const r = readRule(raw, d, i, problems);
      if (r) rules[d].push(r);
    });
  }
  const ignoredRules = (['ingress', 'egress'] as const).filter((d) => !types[d] && asArray(spec[d]).length > 0);
  const ns = obj.namespace !== undefined && obj.namespace !== '' ? obj.namespace : 'default';
  const emptyEgressIgnored = !typesExplicit && Array.isArray(spec['egress']) && spec['egress'].length === 0;
  return { object: obj, name: obj.name, namespace: ns, podSelector, types, typesExplicit, rules, problems, ignoredRules, emptyEgressIgnored };
}
