/**
 * The admission side of the supply-chain check (docs/supply-chain.md), pure: which image references
 * of a request need checking (`imageUsesOf`), and how the checker's findings and digest pins become
 * part of the answer (`withSupplyChain`, `withDigestPins`). The checker itself (registry I/O,
 * signatures, content scans) lives in the supply-chain domain; the CLI connects the two.
 */
import type { AdmissionRequestLocation, Finding } from '../findings/index.js';
import type { JsonObject, ManifestObject } from '../k8s-manifests/index.js';
import { formatFieldPath, jsonPointer, objectFromJson, podTemplatesOf } from '../k8s-manifests/index.js';
import { DEFAULT_LIMITS } from '../limits/index.js';
import { deeperThan, isJsonObject, own } from './json.js';
import { auditValue, boundedWarnings, denialMessage, findingLine, MAX_AUDIT_ITEMS, MAX_WARNING_LINES } from './messages.js';
import type { AdmissionPolicy } from './policy.js';
import type { AdmissionRequest } from './request.js';
import type { Evaluation, ModeOutcome, ReviewContext } from './review.js';
import { requestAnchor, targetOf } from './review.js';

/** One image reference of the object: a container's `image` or an image volume's `reference`. */
export interface RequestImage {
  readonly reference: string;
  readonly location: AdmissionRequestLocation;
  readonly pointer: string;
}

/** A supply-chain finding with the mode of the scope that made it. */
export interface SupplyChainFinding {
  readonly finding: Finding;
  readonly mode: 'enforce' | 'warn';
}

export interface ImagePin {
  readonly pointer: string;
  readonly reference: string;
  readonly pinned: string;
}

function imagesOf(obj: ManifestObject): Array<{ reference: string; path: (string | number)[] }> {
  const out: Array<{ reference: string; path: (string | number)[] }> = [];
  for (const t of podTemplatesOf(obj)) {
    if (t.partial === true) continue;
    for (const c of t.containers) {
      const image = c.container['image'];
      if (typeof image === 'string') out.push({ reference: image, path: [...c.path, 'image'] });
    }
    for (const v of t.volumes) {
      const img = v.volume['image'];
      const ref = isJsonObject(img) ? own(img, 'reference') : undefined;
      if (typeof ref === 'string') out.push({ reference: ref, path: [...v.path, 'image', 'reference'] });
    }
  }
  return out;
}

/**
 * The image references of a request the supply-chain policy must judge: containers and image volumes
 * of pods and pod controllers being created or updated, minus exempt namespaces and users, minus, on
 * an update, the references the old object already had at the same place (they were judged then).
 * An empty list when nothing needs checking.
 */
export function imageUsesOf(req: AdmissionRequest, policy: AdmissionPolicy, ctx: ReviewContext = {}): RequestImage[] {
  const target = targetOf(req);
  if (target.kind === 'none') return [];
  if (req.namespace !== undefined && policy.exemptions.namespaces.includes(req.namespace)) return [];
  if (req.userInfo.username !== undefined && policy.exemptions.usernames.includes(req.userInfo.username)) return [];
  const maxDepth = ctx.maxDepth ?? DEFAULT_LIMITS.maxStructureDepth;
  const o = req.object;
  if (!isJsonObject(o) || deeperThan(o, maxDepth)) return [];
  const anchor = requestAnchor(req, ctx);
  const obj = objectFromJson(o as JsonObject, anchor);
  const old = new Set<string>();
  if (req.operation === 'UPDATE' && isJsonObject(req.oldObject) && !deeperThan(req.oldObject, maxDepth)) {
    for (const u of imagesOf(objectFromJson(req.oldObject, anchor))) old.add(`${jsonPointer(u.path)}\0${u.reference}`);
  }
  const name = req.name ?? (obj.name !== '' ? obj.name : undefined);
  return imagesOf(obj)
    .filter((u) => !old.has(`${jsonPointer(u.path)}\0${u.reference}`))
    .map((u) => ({
      reference: u.reference,
      pointer: jsonPointer(u.path),
      location: {
        ...anchor,
        apiVersion: obj.apiVersion,
        objectKind: obj.kind,
        ...(name !== undefined && { name }),
        fieldPath: formatFieldPath(u.path),
        pointer: jsonPointer(u.path),
      },
    }));
}

/**
 * The answer with the supply-chain findings added: an `enforce` finding denies (for pod controllers
 * only when `controllers: enforce`, as for the PSS checks), a `warn` finding warns; both are named in
 * the `supply-chain` audit annotation. An answer that is already a denial keeps its first lines and
 * gains the supply-chain lines.
 */
export function withSupplyChain(ev: Evaluation, found: readonly SupplyChainFinding[], req: AdmissionRequest, policy: AdmissionPolicy): Evaluation {
  if (found.length === 0) return ev;
  const controller = targetOf(req).kind === 'controller';
  const enforced = found.filter((f) => f.mode === 'enforce' && (!controller || policy.controllers === 'enforce')).map((f) => f.finding);
  const warned = found.filter((f) => !enforced.includes(f.finding)).map((f) => f.finding);
  const r = ev.review.response;
  const lines = (fs: readonly Finding[]): string[] => fs.map((f) => findingLine(f, () => undefined));
  const ids = (fs: readonly Finding[]): string[] => [...new Set(fs.map((f) => f.ruleId))].sort();
  const auditAnnotations = {
    ...r.auditAnnotations,
    'supply-chain': auditValue(
      found
        .slice(0, MAX_AUDIT_ITEMS)
        .map((f) => `${f.finding.ruleId}${f.finding.location.kind === 'admission-request' && f.finding.location.fieldPath !== undefined ? ` (${f.finding.location.fieldPath})` : ''}`)
        .join(', '),
    ),
  };
  const modes: ModeOutcome[] = [...ev.modes];
  if (enforced.length > 0) modes.push({ mode: 'enforce', policy: 'supply-chain', result: 'denied', rules: ids(enforced) });
  if (warned.length > 0) modes.push({ mode: 'warn', policy: 'supply-chain', result: 'warned', rules: ids(warned) });
  const findings = [...ev.findings, ...found.map((f) => f.finding)];
  const meta = isJsonObject(req.object) ? own(req.object, 'metadata') : undefined;
  const metaName = isJsonObject(meta) ? own(meta, 'name') : undefined;
  const name = ev.target.name ?? (typeof metaName === 'string' && metaName !== '' ? metaName : undefined);
  const where = `${req.kind.kind}${name === undefined ? '' : ` ${JSON.stringify(name.slice(0, 253))}`}${req.namespace === undefined ? '' : ` in namespace ${JSON.stringify(req.namespace)}`}`;
  if (enforced.length > 0) {
    const header = `bulwark: ${where} fails the supply-chain policy (${enforced.length} failed check${enforced.length === 1 ? '' : 's'}):`;
    const own = denialMessage(header, lines(enforced), enforced.length);
    const message = !r.allowed && r.status !== undefined ? `${r.status.message}\n${own}` : own;
    return {
      ...ev,
      reason: ev.reason === 'evaluated' ? ev.reason : 'supply-chain',
      modes,
      findings,
      review: { ...ev.review, response: { uid: r.uid, allowed: false, status: { code: 403, reason: 'Forbidden', message }, auditAnnotations } },
    };
  }
  const warnings = boundedWarnings('supply chain: ', lines(warned).slice(0, MAX_WARNING_LINES), r.warnings ?? [], warned.length);
  return { ...ev, modes, findings, review: { ...ev.review, response: { ...r, warnings, auditAnnotations } } };
}

interface JsonPatchOp {
  readonly op: string;
  readonly path: string;
  readonly value?: unknown;
}

/** The /mutate answer with digest pins added (`replace` of each tagged reference by `reference@sha256:…`). */
export function withDigestPins(ev: Evaluation, pins: readonly ImagePin[]): Evaluation {
  if (pins.length === 0) return ev;
  const r = ev.review.response;
  const ops: JsonPatchOp[] = r.patch === undefined ? [] : (JSON.parse(Buffer.from(r.patch, 'base64').toString('utf8')) as JsonPatchOp[]);
  for (const p of pins) {
    ops.push({ op: 'test', path: p.pointer, value: p.reference });
    ops.push({ op: 'replace', path: p.pointer, value: p.pinned });
  }
  const mutated = [r.auditAnnotations?.['mutated'], ...pins.map((p) => p.pointer)].filter((x): x is string => x !== undefined).join(',');
  return {
    ...ev,
    review: {
      ...ev.review,
      response: { ...r, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops), 'utf8').toString('base64'), auditAnnotations: { ...r.auditAnnotations, mutated: auditValue(mutated) } },
    },
  };
}
