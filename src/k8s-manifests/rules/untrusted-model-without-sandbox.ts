/**
 * Workloads annotated as loading untrusted models that do not run in a sandboxed runtime. At
 * admission the RuntimeClass objects are not known: names starting with kata, gvisor or runsc and the
 * names passed as `sandboxRuntimeClasses` count as sandboxes.
 */
import { looksLikeGpuPod } from '../accelerators.js';
import { annotationOf, truthy } from '../annotations.js';
import type { TemplateSubject } from '../k8s-rule.js';
import { templateRule } from '../k8s-rule.js';
import { locationOf } from '../model.js';
import { GOOD_TEMPLATE_SPEC, IMAGE, at, deployHead, fires, lines, silent, tplContainer } from '../sample-manifests.js';
import { asString, podFieldPath } from '../workloads.js';

const SANDBOX_NAME = /^(?:kata|gvisor|runsc)(?:$|[-_.])/i;

/** Whether the pod's runtimeClassName is a sandbox (by name, by option, or by its RuntimeClass handler). */
function isSandboxed({ template, index, options }: TemplateSubject): boolean {
  const rc = asString(template.spec['runtimeClassName']);
  if (rc === undefined || rc === '') return false;
  if (SANDBOX_NAME.test(rc) || options.sandboxRuntimeClasses.has(rc)) return true;
  const handler = asString(index.runtimeClass(rc)?.value['handler']);
  return handler !== undefined && SANDBOX_NAME.test(handler);
}

const UNTRUSTED = ['  annotations:', '    bulwark.dev/untrusted-models: "true"'];

export const untrustedModelWithoutSandbox = templateRule({
  id: 'k8s/untrusted-model-without-sandbox',
  title: 'Untrusted models loaded outside a sandboxed runtime',
  severity: 'high',
  description:
    'The workload is annotated as loading untrusted models (`bulwark.dev/untrusted-models: "true"`: third-party checkpoints, user uploads, models pulled by name at run time), but its pod does not run in a sandboxed runtime. Loading a model is code execution for pickle-based formats and for `trust_remote_code`; on a GPU node the container shares the host kernel and the GPU driver (a large, privileged attack surface) with every other tenant. A sandbox runtime (gVisor, Kata Containers) puts a second boundary between that code and the node.',
  remediation:
    'Set `spec.runtimeClassName` to a sandboxed RuntimeClass: gVisor (`gvisor`, `runsc`; GPUs through nvproxy) or Kata Containers (`kata`, `kata-qemu-nvidia-gpu` …; GPUs through passthrough). Bulwark accepts RuntimeClass names starting with kata, gvisor or runsc, RuntimeClass objects whose handler is one of those, and names passed with `sandboxRuntimeClasses`. Also scan the models before loading them and prefer safetensors.',
  references: ['https://gvisor.dev/docs/user_guide/gpu/', 'https://katacontainers.io/', 'https://kubernetes.io/docs/concepts/containers/runtime-class/'],
  tags: ['k8s', 'gpu', 'models', 'sandbox'],
  maturity: 'incubating',
  admission: { level: 'restricted' },
  check(subject, report) {
    const { object, template: tpl, options } = subject;
    if (!truthy(annotationOf(object, tpl, options.untrustedModelsAnnotation)) || isSandboxed(subject)) return;
    if (tpl.partial === true && tpl.spec['runtimeClassName'] === undefined) return; // completed by the pod that uses it
    const rc = asString(tpl.spec['runtimeClassName']);
    report({
      location: locationOf(object, podFieldPath(tpl, 'runtimeClassName')),
      message: `the workload is annotated ${options.untrustedModelsAnnotation}: "true" but runs ${rc ? `with runtimeClassName ${JSON.stringify(rc)}, which is not a sandbox` : 'without a sandboxed runtimeClassName'}${looksLikeGpuPod(tpl) ? '; on a GPU node, model-loading code shares the host kernel and GPU driver with every other tenant' : ''}`,
    });
  },
  cases: () => ({
    invalid: [
      fires(
        'annotated, runc',
        lines(deployHead('model-eval', 'ml', UNTRUSTED), GOOD_TEMPLATE_SPEC, tplContainer('eval', IMAGE, [], '{cpu: "8", memory: 64Gi, ephemeral-storage: 100Gi, nvidia.com/gpu: 1}')),
        at(14, 5, 'spec.template.spec.runtimeClassName', { messageIncludes: 'GPU' }),
      ),
    ],
    valid: [
      silent('annotated, gVisor', lines(deployHead('model-eval', 'ml', UNTRUSTED), ['      runtimeClassName: gvisor'], GOOD_TEMPLATE_SPEC, tplContainer('eval', IMAGE))),
      silent(
        'annotated, RuntimeClass whose handler is kata',
        lines(
          deployHead('model-eval', 'ml', UNTRUSTED),
          ['      runtimeClassName: secure-gpu'],
          GOOD_TEMPLATE_SPEC,
          tplContainer('eval', IMAGE),
          '---',
          'apiVersion: node.k8s.io/v1',
          'kind: RuntimeClass',
          'metadata: {name: secure-gpu}',
          'handler: kata-qemu-nvidia-gpu',
        ),
      ),
      silent('not annotated', lines(deployHead('model-eval'), GOOD_TEMPLATE_SPEC, tplContainer('eval', IMAGE))),
    ],
  }),
});
