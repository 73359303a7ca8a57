/**
 * Image references: `[oci://]HOST[:PORT]/NAME[:TAG][@sha256:HEX]` (the distribution reference grammar,
 * with the registry host required: Bulwark never guesses a default registry).
 */
import { isIP } from 'node:net';
import { BulwarkError } from '../findings/index.js';

export interface ImageReference {
  /** `host` or `host:port`, as written (lower-cased). */
  readonly registry: string;
  /** Repository name, e.g. `models/llama`. */
  readonly name: string;
  readonly tag?: string;
  /** `sha256:<64 hex>` when the reference pins a digest. */
  readonly digest?: string;
}

const NAME_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Strip the `oci://` scheme (used by `bulwark scan|sign|verify` to tell references from paths). */
export function stripScheme(ref: string): string {
  return ref.startsWith('oci://') ? ref.slice('oci://'.length) : ref;
}

export function isOciRef(arg: string): boolean {
  return arg.startsWith('oci://');
}

function usage(ref: string, why: string): BulwarkError {
  return new BulwarkError('USAGE', `invalid image reference "${ref.slice(0, 200)}": ${why}`);
}

export function parseReference(input: string): ImageReference {
  const ref = stripScheme(input.trim());
  if (ref.length === 0 || ref.length > 4096) throw usage(input, 'empty or longer than 4096 characters');
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!SHA256_DIGEST.test(digest)) throw usage(input, 'the digest must be sha256:<64 lower-case hex digits>');
  }
  const slash = rest.indexOf('/');
  if (slash < 0) throw usage(input, 'give the registry host, e.g. localhost:5000/models/name:tag');
  const registry = rest.slice(0, slash).toLowerCase();
  let path = rest.slice(slash + 1);
  if (!(registry.includes('.') || registry.includes(':') || registry === 'localhost' || registry.startsWith('['))) {
    throw usage(input, `"${registry}" is not a registry host (Bulwark needs the host, e.g. registry.example.com/${rest})`);
  }
  let tag: string | undefined;
  const lastSlash = path.lastIndexOf('/');
  const colon = path.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!TAG.test(tag)) throw usage(input, `invalid tag "${tag.slice(0, 130)}"`);
  }
  if (path.length === 0 || path.length > 255 || !path.split('/').every((c) => NAME_COMPONENT.test(c))) {
    throw usage(input, 'the repository name must be lower-case components ([a-z0-9] with . _ - separators) joined by /');
  }
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { registry, name: path, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

/** The reference as text, `host/name:tag@digest`. */
export function formatReference(r: ImageReference): string {
  return `${r.registry}/${r.name}${r.tag !== undefined ? `:${r.tag}` : ''}${r.digest !== undefined ? `@${r.digest}` : ''}`;
}

/** The registry's host name without port or brackets. */
export function registryHost(registry: string): string {
  if (registry.startsWith('[')) return registry.slice(1, registry.indexOf(']'));
  const c = registry.lastIndexOf(':');
  return c >= 0 ? registry.slice(0, c) : registry;
}

/** localhost, 127.0.0.0/8 and ::1: the only hosts Bulwark talks plain HTTP to. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1';
  return false;
}
