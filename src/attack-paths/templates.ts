/**
 * Path templates, as data: each is a `path/*` rule's shape. A template is a list of stages; a stage
 * is one step (edge) of one of the listed kinds, starting from the node the previous stage reached
 * (or from an earlier node of the route: `from`, an index into the route's nodes, 0 = the source).
 * Optional stages extend a route when the graph has such a step (exfiltration after credential
 * access) but a route does not need them; the minimal cut only considers mandatory stages.
 * Every template starts at a model node with code execution on load.
 */
import type { AttackEdgeKind, Severity } from '../findings/index.js';

export interface PathStage {
  readonly tactic: string;
  readonly edges: readonly AttackEdgeKind[];
  readonly optional?: boolean;
  readonly from?: number;
}

export interface PathTemplate {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  /** `the Secrets of …`: what the last mandatory step reaches, for messages. */
  readonly goal: string;
  readonly stages: readonly PathStage[];
}

const CODE: PathStage = { tactic: 'code execution', edges: ['runs-code-in'] };
const TOKEN: PathStage = { tactic: 'credential access', edges: ['runs-as'] };
const EXFIL: PathStage = { tactic: 'exfiltration', edges: ['egress'], optional: true, from: 1 };

export const PATH_TEMPLATES: readonly PathTemplate[] = [
  {
    id: 'path/model-to-secrets',
    title: 'Malicious model can read Kubernetes Secrets',
    severity: 'critical',
    goal: 'read Secrets',
    stages: [CODE, TOKEN, { tactic: 'credential access', edges: ['reads-secrets'] }, EXFIL],
  },
  {
    id: 'path/model-to-cluster-control',
    title: 'Malicious model can create or exec into workloads',
    severity: 'critical',
    goal: 'create, exec into or escalate over workloads',
    stages: [CODE, TOKEN, { tactic: 'lateral movement / escalation', edges: ['controls-workloads'] }, EXFIL],
  },
  {
    id: 'path/model-to-node',
    title: 'Malicious model can take over its node',
    severity: 'critical',
    goal: 'take over the node',
    stages: [CODE, { tactic: 'privilege escalation', edges: ['escapes-to-node'] }, { tactic: 'GPU abuse', edges: ['uses-gpu'], optional: true, from: 1 }, EXFIL],
  },
  {
    id: 'path/model-egress',
    title: 'Malicious model can reach any network destination',
    severity: 'high',
    goal: 'send data anywhere (no egress restriction)',
    stages: [CODE, { tactic: 'exfiltration', edges: ['egress'] }],
  },
];
