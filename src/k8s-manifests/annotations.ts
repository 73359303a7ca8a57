/** Reading annotations the way the rules need them (values are strings; YAML may have made them booleans). */
import type { Json, ManifestObject } from './model.js';
import type { PodTemplate } from './workloads.js';
import { asObject } from './workloads.js';

/** True for `"true"`, `true`, `"yes"`, `"1"` (annotations are strings; YAML may have made it a bool). */
export function truthy(v: Json | undefined): boolean {
  if (v === true) return true;
  if (typeof v !== 'string') return false;
  const s = v.trim().toLowerCase();
  return s === 'true' || s === 'yes' || s === '1';
}

/** The object's own annotation, or its pod template's. */
export function annotationOf(obj: ManifestObject, t: PodTemplate | undefined, key: string): Json | undefined {
  const own = asObject(asObject(obj.value['metadata'])?.['annotations']);
  if (own && Object.prototype.hasOwnProperty.call(own, key)) return own[key];
  return t?.annotations.get(key);
}
