/**
 * The `path/*` rules: one per path template (templates.ts). A path finding is located at the model
 * it starts from, names every route and the smallest set of fixes that breaks them all.
 */
import { defineRule, defineRuleSet } from '../rules/index.js';

const REFS = ['docs/report.md', 'https://attack.mitre.org/matrices/enterprise/containers/', 'https://atlas.mitre.org/techniques/AML.T0010'];
const TAGS = ['attack-path', 'kubernetes', 'model'];

export const modelToSecrets = defineRule({
  id: 'path/model-to-secrets',
  title: 'Malicious model can read Kubernetes Secrets',
  severity: 'critical',
  description:
    'A model file that runs code when it is loaded (a pickle payload, remote code, a template escape) is loaded by a workload whose pod has a ServiceAccount token mounted, and that ServiceAccount may read Secrets. Whoever published the model gets the Secrets: credential access in one step, and exfiltration when the namespace does not restrict egress. The finding lists every route and the smallest set of fixes that breaks them all.',
  remediation:
    'Apply the fixes the finding names (any one of them breaks the route): replace the model with a safe format (safetensors) or a trusted, signed copy; set automountServiceAccountToken: false on pods that do not call the API; remove Secret access from the ServiceAccount\'s bindings.',
  references: REFS,
  tags: TAGS,
  maturity: 'incubating',
});

export const modelToClusterControl = defineRule({
  id: 'path/model-to-cluster-control',
  title: 'Malicious model can create or exec into workloads',
  severity: 'critical',
  description:
    'A model that runs code when loaded reaches a ServiceAccount token that may create pods, exec into them, mint tokens, bind roles or impersonate: lateral movement to every workload in scope and usually escalation to the whole namespace or cluster.',
  remediation:
    'Apply the fixes the finding names: replace the model with a safe format or a trusted, signed copy; do not mount the token into pods that load models; remove pod creation, exec and escalation verbs from the ServiceAccount\'s roles.',
  references: REFS,
  tags: TAGS,
  maturity: 'incubating',
});

export const modelToNode = defineRule({
  id: 'path/model-to-node',
  title: 'Malicious model can take over its node',
  severity: 'critical',
  description:
    'A model that runs code when loaded is loaded by a container that can reach its node (privileged, host namespaces, host paths, the container runtime socket, device nodes). Code in the model owns the node, every other pod on it and its GPUs (GPU abuse: cryptomining, other tenants\' memory).',
  remediation:
    'Apply the fixes the finding names: replace the model with a safe format or a trusted, signed copy; drop privileged mode and host access from the container; run untrusted models in a sandboxed runtimeClassName.',
  references: REFS,
  tags: TAGS,
  maturity: 'incubating',
});

export const modelEgress = defineRule({
  id: 'path/model-egress',
  title: 'Malicious model can reach any network destination',
  severity: 'high',
  description:
    'A model that runs code when loaded is loaded by a workload whose egress no NetworkPolicy restricts: the payload can download a second stage, call home, or send the weights, prompts and mounted data anywhere.',
  remediation:
    'Apply the fixes the finding names: replace the model with a safe format or a trusted, signed copy; add a default-deny egress NetworkPolicy to the namespace and allow only the destinations the workload needs.',
  references: REFS,
  tags: TAGS,
  maturity: 'incubating',
});

export const PATH_RULES = [modelToSecrets, modelToClusterControl, modelToNode, modelEgress] as const;

/** The attack-path domain's one rule set. */
export const PATH_RULESET = defineRuleSet('attack-paths', ['path'], PATH_RULES);
