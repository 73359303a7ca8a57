/**
 * Typed artifacts: what per-file analyzers hand to the cross-file phases, so that no phase reads a
 * file from disk again. Plain data (they cross worker threads by structured clone).
 */
import type { ManifestObject } from '../k8s-manifests/index.js';

export type Artifact =
  /** Kubernetes objects loaded from the file, with positions. */
  | { readonly kind: 'k8s-objects'; readonly objects: readonly ManifestObject[] }
  /** The file's text, captured because a phase asked for it (`Phase.wantsText`). */
  | { readonly kind: 'text'; readonly text: string }
  /** A phase asked for the text but it could not be captured: why (names the limit where one applies). */
  | { readonly kind: 'text-unavailable'; readonly reason: string };

export type ArtifactKind = Artifact['kind'];

export function artifactsOf<K extends ArtifactKind>(list: readonly Artifact[], kind: K): Extract<Artifact, { kind: K }>[] {
  return list.filter((a): a is Extract<Artifact, { kind: K }> => a.kind === kind);
}
