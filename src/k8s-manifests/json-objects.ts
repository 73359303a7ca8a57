/**
 * Objects that arrive as JSON rather than as manifest text: the object of an AdmissionReview
 * (`request.object`) or of an audit event (`requestObject` / `responseObject`). They get the same
 * identity rules and API defaulting as loaded objects, so every rule judges them alike; their findings
 * are located at the anchor (see model.ts `locationOf`).
 */
import { applyDefaults } from './defaults.js';
import type { Json, JsonAnchor, JsonObject, ManifestObject } from './model.js';

function str(v: Json | undefined): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function isJsonObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `apiVersion`, `kind`, `name` (`generateName*` when only that is set), `namespace` of an object value. */
export function objectIdentity(value: JsonObject): { apiVersion: string | undefined; kind: string | undefined; name: string; namespace: string | undefined } {
  const meta = isJsonObject(value['metadata']) ? value['metadata'] : {};
  const generate = str(meta['generateName']);
  return {
    apiVersion: str(value['apiVersion']),
    kind: str(value['kind']),
    name: str(meta['name']) ?? (generate !== undefined ? `${generate}*` : ''),
    namespace: str(meta['namespace']),
  };
}

/**
 * A ManifestObject for a JSON object (an AdmissionReview's `request.object`, an audit event's
 * `requestObject`). The object takes ownership of `value`: API-server defaulting the rules rely on
 * (defaults.ts) is applied to it in place, as the loader does, so pass a freshly parsed value.
 * A missing `metadata.namespace` is taken from the anchor (the request's namespace); a missing
 * apiVersion or kind reads as `''` (no rule matches such an object's kind).
 */
export function objectFromJson(value: JsonObject, anchor: JsonAnchor): ManifestObject {
  const id = objectIdentity(value);
  const namespace = id.namespace ?? (anchor.namespace !== undefined && anchor.namespace !== '' ? anchor.namespace : undefined);
  const obj: ManifestObject = {
    path: anchor.path,
    apiVersion: id.apiVersion ?? '',
    kind: id.kind ?? '',
    name: id.name,
    ...(namespace !== undefined && { namespace }),
    value,
    origin: { kind: 'json', anchor },
  };
  applyDefaults(obj);
  return obj;
}
