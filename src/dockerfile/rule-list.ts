/** The Dockerfile rules, in documentation order, and the domain's RuleSet. */
import { defineRuleSet } from '../rules/index.js';
import type { DockerfileRule } from './model.js';
import { addFromUrl } from './rules/add-from-url.js';
import { packageCache } from './rules/package-cache.js';
import { pipExtraIndexUrl } from './rules/pip-extra-index-url.js';
import { pipeToShell } from './rules/pipe-to-shell.js';
import { remoteShellInRuntime } from './rules/remote-shell-in-runtime.js';
import { rootUser } from './rules/root-user.js';
import { secretInArgEnv } from './rules/secret-in-arg-env.js';
import { tlsVerificationDisabled } from './rules/tls-verification-disabled.js';
import { unpinnedBaseImage } from './rules/unpinned-base-image.js';
import { unpinnedModelDownload } from './rules/unpinned-model-download.js';
import { worldWritableRule } from './rules/world-writable.js';

export const DOCKERFILE_RULES: readonly DockerfileRule[] = [
  rootUser,
  unpinnedBaseImage,
  addFromUrl,
  pipeToShell,
  secretInArgEnv,
  packageCache,
  pipExtraIndexUrl,
  tlsVerificationDisabled,
  unpinnedModelDownload,
  worldWritableRule,
  remoteShellInRuntime,
];

export const DOCKERFILE_RULESET = defineRuleSet('dockerfile', ['dockerfile'], DOCKERFILE_RULES);
