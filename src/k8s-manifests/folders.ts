/**
 * Folders that hold Kubernetes sources which are not manifests yet: Helm charts (rendered by
 * `helm template`) and kustomizations (rendered by `kubectl kustomize`). Their files are not analysed
 * as objects (a raw template is not what the cluster receives, a kustomization is not an object), so
 * instead of silence each gets one info finding saying how to scan what it renders:
 *
 * - `reportK8sFolders(files, reporter)`: from the files of a scan (path and target format), one
 *   `k8s/helm-chart-not-rendered` per chart (a folder with `Chart.yaml`; subcharts under `charts/` are
 *   part of their parent), or per folder of raw templates without a chart; one
 *   `k8s/kustomization-not-rendered` per kustomization file the loader did not already report
 *   (`kustomization.yaml` without `kind: Kustomization`). The engine calls it once per scan.
 * - the loader reports `k8s/kustomization-not-rendered` itself for a file whose content is a
 *   `kustomize.config.k8s.io` Kustomization (format `kustomization`).
 */
import type { Reporter } from '../rules/index.js';
import { defineRule } from '../rules/index.js';
import { MANIFEST_TEXT_FORMAT } from './load-formats.js';
import { lines } from './sample-manifests.js';

export const helmChartNotRendered = defineRule({
  id: 'k8s/helm-chart-not-rendered',
  title: 'Helm chart: scan what it renders',
  severity: 'info',
  description:
    'The folder is a Helm chart (`Chart.yaml`, `templates/`). Its templates are Go templates, not manifests: what the cluster receives depends on the values, so Bulwark does not analyse them one by one (and never reports them as broken manifests). It says so once per chart, so that the chart is not mistaken for a clean one.',
  remediation: 'Render the chart with the values you deploy and scan the result: `helm template RELEASE CHART_DIR -f values-prod.yaml | bulwark scan -` (once per values file or environment).',
  references: ['https://helm.sh/docs/helm/helm_template/', 'https://helm.sh/docs/topics/charts/'],
  tags: ['k8s', 'coverage', 'helm'],
  maturity: 'stable',
  cases: () => ({
    invalid: [
      {
        name: 'a chart folder',
        files: {
          'chart/Chart.yaml': lines('apiVersion: v2', 'name: llm', 'version: 0.1.0'),
          'chart/values.yaml': lines('image: vllm/vllm-openai:v0.6.3'),
          'chart/templates/deployment.yaml': lines('apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: {{ .Release.Name }}', 'spec:', '  template:', '    spec:', '      containers:', '      - image: {{ .Values.image }}'),
        },
        expect: { line: 1, column: 1, messageIncludes: 'helm template' },
      },
    ],
    valid: [{ name: 'rendered manifests', files: { 'rendered.yaml': lines('apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: c}') } }],
  }),
});

export const kustomizationNotRendered = defineRule({
  id: 'k8s/kustomization-not-rendered',
  title: 'Kustomization: scan what it renders',
  severity: 'info',
  description:
    'The file is a kustomization (`kustomization.yaml`, `kind: Kustomization`): a recipe that assembles resources, patches and generated objects, not an object the cluster receives. Bulwark does not analyse it as a manifest (and never reports it as a broken one); the resources it lists are analysed where they are files of the scan, but patches, generators and overlays only take effect when it is rendered.',
  remediation: 'Render it and scan the result: `kubectl kustomize DIR | bulwark scan -` (or `kustomize build DIR`), once per overlay you deploy.',
  references: ['https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/', 'https://kubernetes.io/docs/tasks/manage-kubernetes-objects/kustomization/'],
  tags: ['k8s', 'coverage', 'kustomize'],
  maturity: 'stable',
  cases: () => ({
    invalid: [
      {
        name: 'a kustomization file',
        files: { 'overlays/prod/kustomization.yaml': lines('apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'resources:', '- ../../base') },
        expect: { line: 1, column: 1, messageIncludes: 'kubectl kustomize' },
      },
    ],
    valid: [{ name: 'a plain manifest', files: { 'deploy.yaml': lines('apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: c}') } }],
  }),
});

export const FOLDER_RULES = [helmChartNotRendered, kustomizationNotRendered] as const;

const KUSTOMIZATION_NAMES: ReadonlySet<string> = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization']);

function split(p: string): { dir: string; base: string } {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i < 0 ? { dir: '.', base: p } : { dir: p.slice(0, i), base: p.slice(i + 1) };
}

const fileLoc = (path: string): { kind: 'file'; path: string; line: number; column: number } => ({ kind: 'file', path, line: 1, column: 1 });

/** Report a kustomization file (called by the loader for content that is a Kustomization). */
export function reportKustomization(path: string, reporter: Pick<Reporter, 'report'>): void {
  const { dir } = split(path);
  reporter.report(kustomizationNotRendered, {
    location: fileLoc(path),
    message: `${path} is a kustomization, not a manifest: scan what it renders with \`kubectl kustomize ${dir} | bulwark scan -\``,
  });
}

export interface ScannedFile {
  readonly path: string;
  /** The target format the analysis gave the file (`helm-template`, `kustomization`, `k8s-manifest`, …). */
  readonly format: string;
}

/** One info finding per Helm chart and per kustomization the loader did not report (see the module comment). */
export function reportK8sFolders(files: readonly ScannedFile[], reporter: Pick<Reporter, 'report'>): void {
  const charts = new Map<string, string>(); // chart dir → Chart.yaml path
  for (const f of files) {
    const { dir, base } = split(f.path);
    if (base === 'Chart.yaml') charts.set(dir, f.path);
  }
  const chartOf = (path: string): string | undefined => {
    // The outermost chart folder containing the file (subcharts under charts/ belong to their parent).
    let best: string | undefined;
    for (let d = split(path).dir; ; ) {
      if (charts.has(d)) best = d;
      const up = split(d).dir;
      if (up === d || d === '.' || d === '/' || d === '') break;
      d = up;
    }
    return best;
  };
  const reported = new Set<string>();
  for (const [dir, chartYaml] of [...charts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (chartOf(chartYaml) !== dir) continue; // a subchart: reported with its parent
    reported.add(dir);
    reporter.report(helmChartNotRendered, {
      location: fileLoc(chartYaml),
      message: `${dir} is a Helm chart: its templates are not manifests until rendered; scan them with \`helm template RELEASE ${dir} -f VALUES | bulwark scan -\``,
    });
  }
  const templateDirs = new Map<string, string>();
  for (const f of files) {
    if (f.format !== MANIFEST_TEXT_FORMAT['helm-template'] || chartOf(f.path) !== undefined) continue;
    const { dir } = split(f.path);
    if (!templateDirs.has(dir)) templateDirs.set(dir, f.path);
  }
  for (const [dir, first] of templateDirs) {
    reporter.report(helmChartNotRendered, {
      location: fileLoc(first),
      message: `${dir} holds raw Helm templates (no Chart.yaml in the scan): they are not manifests until rendered; render the chart with \`helm template\` and scan the output`,
    });
  }
  for (const f of files) {
    if (!KUSTOMIZATION_NAMES.has(split(f.path).base) || f.format === MANIFEST_TEXT_FORMAT.kustomization) continue;
    reportKustomization(f.path, reporter);
  }
}
