import { defineRule } from './define-rule.js';
import { defineRuleSet } from './registry.js';

/**
 * Rules every domain uses to say "this could not be fully analysed". A target that triggers one of
 * them is `partial`, and the finding is high so that a partial analysis never passes `--fail-on high`.
 */
export const limitExceeded = defineRule({
  id: 'scan/limit-exceeded',
  title: 'Analysis stopped at a resource limit',
  severity: 'high',
  description:
    'A named resource limit (bytes read, decompressed size, opcode count, stack or memo size, nesting depth, entry count) was reached, so part of the input was not analysed. Attackers pad files to push payloads past scanners\u2019 limits; Bulwark reports the gap instead of passing the file.',
  remediation:
    'Inspect the file by other means, or raise the named limit with `--limit NAME=VALUE` if the file is trusted to be that large, and scan again.',
  references: ['docs/limits.md'],
  tags: ['scan', 'fail-closed'],
  maturity: 'stable',
});

export const malformedInput = defineRule({
  id: 'scan/malformed-input',
  title: 'Input does not follow its format',
  severity: 'high',
  description:
    'The file was recognised as a format but its structure is invalid (truncated, inconsistent lengths, bad magic in a member). Loaders often accept or repair malformed input differently from scanners, which is how payloads are smuggled past them; the part after the error was not analysed.',
  remediation: 'Do not load the file. Regenerate it from a trusted source, or inspect the reported offset.',
  references: ['docs/limits.md'],
  tags: ['scan', 'fail-closed'],
  maturity: 'stable',
});

export const unsupportedContainer = defineRule({
  id: 'scan/unsupported-container',
  title: 'Archive or compression that Bulwark cannot open',
  severity: 'high',
  description:
    'The file is an archive or compressed stream (7z, RAR, or a compression method Bulwark does not implement) that may hide a model file; it could not be analysed.',
  remediation: 'Unpack the archive with a trusted tool and scan its contents, or distribute the model in a format Bulwark analyses.',
  references: ['docs/formats.md'],
  tags: ['scan', 'fail-closed'],
  maturity: 'stable',
});

export const internalError = defineRule({
  id: 'scan/internal-error',
  title: 'Analyser failed on this input',
  severity: 'high',
  description:
    'An unexpected error stopped the analysis of this target. The other targets were still scanned; this one was not fully analysed.',
  remediation: 'Treat the file as unscanned. Please report the error message (it contains no file content) to the Bulwark maintainers.',
  references: [],
  tags: ['scan', 'fail-closed'],
  maturity: 'stable',
});

export const readError = defineRule({
  id: 'scan/read-error',
  title: 'Target could not be read',
  severity: 'high',
  description: 'A file or directory given to the scan could not be read (permissions, I/O error, special file).',
  remediation: 'Check the path and its permissions and scan again.',
  references: [],
  tags: ['scan', 'fail-closed'],
  maturity: 'stable',
});

export const symlinkOutsideTree = defineRule({
  id: 'scan/symlink-outside-tree',
  title: 'Symbolic link points outside the scanned tree',
  severity: 'medium',
  description:
    'A symbolic link inside a scanned directory points outside it. Bulwark does not follow it, so its target was not scanned; a loader that follows it may read a file the model owner never shipped (or a sensitive host file).',
  remediation: 'Replace the link by the file it should contain, or scan the link target separately.',
  references: [],
  tags: ['scan', 'filesystem'],
  maturity: 'stable',
});


export const expiredSuppression = defineRule({
  id: 'config/expired-suppression',
  title: 'Suppression past its expiry date',
  severity: 'medium',
  description:
    'A suppression in the configuration file has an `expires` date that has passed. It no longer applies: the findings it covered are reported again, and this finding says why they came back. Expiry dates keep accepted risks from becoming permanent by default.',
  remediation: 'Fix what the suppressed findings report, or review the risk again and move `expires` to a new date (with an updated reason).',
  references: ['docs/configuration.md'],
  tags: ['config', 'suppression'],
  maturity: 'stable',
});

export const unusedSuppression = defineRule({
  id: 'config/unused-suppression',
  title: 'Suppression that matched no finding',
  severity: 'info',
  description:
    'A suppression in the configuration file matched no finding in this run: the problem it accepted is gone, or the rule id, path or object no longer match. Stale suppressions hide the next, different problem at the same place; remove them.',
  remediation: 'Remove the suppression from the configuration file, or correct its `rule`, `path` or `object`.',
  references: ['docs/configuration.md'],
  tags: ['config', 'suppression'],
  maturity: 'stable',
});

export const CONFIG_RULES = [expiredSuppression, unusedSuppression] as const;

export const CORE_RULES = [limitExceeded, malformedInput, unsupportedContainer, internalError, readError, symlinkOutsideTree, ...CONFIG_RULES] as const;

/** The generic rules every registry includes: fail-closed `scan/*` and configuration `config/*`. */
export const CORE_RULESET = defineRuleSet('core', ['scan', 'config'], CORE_RULES);
