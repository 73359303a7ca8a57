#!/usr/bin/env node
import { Command, CommanderError } from '@commander-js/extra-typings';
import { toolVersion } from '../engine/index.js';
import { errorMessage, isBulwarkError } from '../findings/index.js';
import { guardStdout, installSignalCleanup, removePendingFiles } from './io.js';
import { registerExplain } from './commands/explain.js';
import { registerAdmission } from './commands/admission.js';
import { registerAudit } from './commands/audit.js';
import { registerConvert } from './commands/convert.js';
import { registerGateway } from './commands/gateway.js';
import { registerPull, registerPush } from './commands/oci.js';
import { registerRules } from './commands/rules.js';
import { registerRuntime } from './commands/runtime.js';
import { registerScan } from './commands/scan.js';
import { registerSign } from './commands/sign.js';
import { registerVerify } from './commands/verify.js';
import { registerVerifyImage } from './commands/verify-image.js';

/** Exit codes (README "Exit codes"): 0 clean, 1 findings at or above --fail-on / verification failed, 2 usage or I/O error. */
export const EXIT_USAGE = 2;

function oneLine(s: string): string {
  return s.replace(/^error:\s*/i, '').split('\n')[0]?.trim() ?? s;
}

export async function main(argv: readonly string[]): Promise<void> {
  const program = new Command()
    .name('bulwark')
    .description('Defense in depth for AI applications on Kubernetes and GPU nodes.')
    .version(toolVersion(), '-V, --version')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ outputError: () => {} });
  registerScan(program);
  registerSign(program);
  registerVerify(program);
  registerVerifyImage(program);
  registerConvert(program);
  registerPush(program);
  registerPull(program);
  registerRules(program);
  registerAdmission(program);
  registerAudit(program);
  registerExplain(program);
  registerRuntime(program);
  registerGateway(program);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') {
        process.exitCode = 0;
        return;
      }
      // `bulwark` with no command: the help went to stderr; it is a usage error.
      if (e.code === 'commander.help') {
        process.exitCode = EXIT_USAGE;
        return;
      }
      process.stderr.write(`bulwark: ${oneLine(e.message)} (see bulwark --help)\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    if (isBulwarkError(e) && (e.code === 'USAGE' || e.code === 'IO' || e.code === 'CONFIG')) {
      process.stderr.write(`bulwark: ${oneLine(e.message)}\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    process.stderr.write(`bulwark: internal error: ${oneLine(errorMessage(e))}\n`);
    process.exitCode = EXIT_USAGE;
  }
}

guardStdout();
installSignalCleanup();
try {
  await main(process.argv.slice(2));
} finally {
  removePendingFiles();
}
