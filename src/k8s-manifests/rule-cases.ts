/** Test-only surface: the rule cases of every Kubernetes rule (not re-exported from index.ts). */
export { K8S_RULE_CASES } from './cases.js';
