/** The kinds of text the manifest loader tells apart, and the target format of each (no imports: shared by load.ts and folders.ts). */

/**
 * What a text is, as decided while loading it:
 * - `manifest`: Kubernetes objects (possibly none analysable: every document broken or over a limit,
 *   which is reported);
 * - `not-manifest`: YAML, JSON or text without any Kubernetes object (Markdown, source code, Helm
 *   values, CI workflows, compose files…): nothing is reported;
 * - `helm-template`: a raw Helm chart template (render it with `helm template`; folders.ts reports the
 *   chart once);
 * - `kustomization`: a kustomization file (render with `kubectl kustomize`; folders.ts reports it);
 * - `audit-log`: Kubernetes audit events, which are not objects to apply.
 */
export type ManifestTextKind = 'manifest' | 'not-manifest' | 'helm-template' | 'kustomization' | 'audit-log';

/** The target format the engine reports for each kind of text. */
export const MANIFEST_TEXT_FORMAT: Readonly<Record<ManifestTextKind, string>> = {
  manifest: 'k8s-manifest',
  'not-manifest': 'text',
  'helm-template': 'helm-template',
  kustomization: 'kustomization',
  'audit-log': 'k8s-audit-log',
};

