import type { Command } from '@commander-js/extra-typings';
import { Option } from '@commander-js/extra-typings';
import type cliProgress from 'cli-progress';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { resolveRules } from '../../config/index.js';
import { DEFAULT_SCAN_OPTIONS, registry, scan } from '../../engine/index.js';
import type { ScanOptions } from '../../engine/index.js';
import type { Severity } from '../../findings/index.js';
import { BulwarkError, SEVERITIES, atLeast } from '../../findings/index.js';
import { parsePssVersion } from '../../k8s-manifests/index.js';
import { LIMIT_NAMES, parseSize, resolveLimits } from '../../limits/index.js';
import type { ReportFormat } from '../../reporters/index.js';
import { FORMATS, renderJson, renderNdjson, renderSarif, renderText, sanitizeText } from '../../reporters/index.js';
import { loadCliConfig, pick } from '../config.js';
import { readStdin, useColor, writeFileAtomic } from '../io.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseLimitFlags(flags: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const flag of flags) {
    const m = /^([A-Za-z]+)=(.+)$/.exec(flag);
    if (!m?.[1] || !m[2]) throw new BulwarkError('USAGE', `--limit expects NAME=VALUE, got "${flag}"`);
    const v = parseSize(m[2]);
    if (v === undefined) throw new BulwarkError('USAGE', `--limit ${m[1]}: "${m[2]}" is not a size or count`);
    out[m[1]] = v;
  }
  return out;
}

export function registerScan(program: Command): void {
  program
    .command('scan')
    .description('Scan model files, model folders and Kubernetes manifests (format detected from content).')
    .argument('<paths...>', 'files or directories to scan; `-` reads stdin')
    .addOption(new Option('-f, --format <format>', 'report format').choices(FORMATS).default('text' as ReportFormat))
    .option('-o, --output <file>', 'write the report to FILE (atomically) instead of stdout')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices([...SEVERITIES, 'none'] as const).default('high' as const))
    .option('-j, --jobs <n>', 'parallel workers (default: number of cores)')
    .option('-q, --quiet', 'no progress bar and no summary; in text format only findings at or above --fail-on', false)
    .option('--no-color', 'disable colours (also NO_COLOR=1)')
    .option('--strict', 'grade unknown pickle globals and similar unknowns as high', false)
    .addOption(new Option('--policy <policy>', 'policy: default, or production (pickle weights and unsigned models fail)').choices(['default', 'production'] as const).default('default' as const))
    .addOption(new Option('--pss-level <level>', 'Pod Security Standards level').choices(['baseline', 'restricted'] as const).default('restricted' as const))
    .option('--pss-version <version>', 'Pod Security Standards version: v1.N or latest', 'latest')
    .option('--sandbox-runtime-class <name>', 'RuntimeClass accepted as a sandbox for untrusted models, besides kata*/gvisor*/runsc* (repeatable)', collect, [] as string[])
    .option('--limit <name=value>', `override a named limit (repeatable): ${LIMIT_NAMES.join(', ')}`, collect, [] as string[])
    .option('--key <public.pem>', 'verify model signatures with this public key')
    .option('--cert-chain <ca.pem>', 'trust anchor for certificate-signed models (repeatable)', collect, [] as string[])
    .option('--identity <id>', 'expected signer identity for keyless signatures')
    .option('--issuer <url>', 'expected OIDC issuer for keyless signatures')
    .option('--trusted-root <file>', 'sigstore trusted root for keyless verification')
    .option('--include-vcs', 'also walk .git/.hg/.svn folders', false)
    .option('-c, --config <file>', 'configuration file (default: bulwark.yaml in the current directory, when present)')
    .option('--no-config', 'ignore bulwark.yaml')
    .action(async (paths, opts, cmd) => {
      const config = loadCliConfig(opts.config);
      resolveRules(config, registry.rules); // validates rule settings and suppressions (one-line CONFIG error)
      const cfgJobs = config.scan.jobs;
      const jobs = opts.jobs === undefined ? (cfgJobs ?? availableParallelism()) : Number(opts.jobs);
      if (!Number.isInteger(jobs) || jobs < 1 || jobs > 256) throw new BulwarkError('USAGE', `--jobs must be an integer between 1 and 256, got "${opts.jobs}"`);
      const pssVersion = pick(cmd, 'pssVersion', opts.pssVersion, config.kubernetes.pssVersion);
      parsePssVersion(pssVersion); // throws a one-line usage error
      const fileSigning = config.signing;
      const cliSigning = opts.key !== undefined || opts.certChain.length > 0 || opts.identity !== undefined || opts.issuer !== undefined || opts.trustedRoot !== undefined;
      if ((opts.identity === undefined) !== (opts.issuer === undefined)) throw new BulwarkError('USAGE', '--identity and --issuer must be given together');
      // The file's limits first, then --limit on top of them.
      const limits = resolveLimits(parseLimitFlags(opts.limit), resolveLimits(config.limits));
      const signing = cliSigning
        ? {
            ...(opts.key !== undefined && { key: opts.key }),
            ...(opts.certChain.length > 0 && { certChain: opts.certChain }),
            ...(opts.identity !== undefined && { identity: opts.identity }),
            ...(opts.issuer !== undefined && { issuer: opts.issuer }),
            ...(opts.trustedRoot !== undefined && { trustedRoot: opts.trustedRoot }),
          }
        : fileSigning;
      const options: ScanOptions = {
        ...DEFAULT_SCAN_OPTIONS,
        limits,
        strict: pick(cmd, 'strict', opts.strict, config.scan.strict),
        policy: pick(cmd, 'policy', opts.policy, config.scan.policy),
        jobs,
        pssLevel: pick(cmd, 'pssLevel', opts.pssLevel, config.kubernetes.pssLevel),
        pssVersion,
        skipVcs: !pick(cmd, 'includeVcs', opts.includeVcs, config.scan.includeVcs),
        sandboxRuntimeClasses: opts.sandboxRuntimeClass.length > 0 ? opts.sandboxRuntimeClass : (config.kubernetes.sandboxRuntimeClasses ?? []),
        signing,
        rules: config.rules,
        ignore: config.ignore,
        suppressions: config.suppressions,
        pickle: config.pickle,
      };
      const stdinCount = paths.filter((p) => p === '-').length;
      if (stdinCount > 1) throw new BulwarkError('USAGE', '`-` (stdin) may be given only once');
      const stdin = stdinCount === 1 ? await readStdin(limits.maxReadBytes) : undefined;
      const fsPaths = paths.filter((p) => p !== '-');
      for (const p of fsPaths) {
        try {
          statSync(p);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          throw new BulwarkError('USAGE', code === 'ENOENT' ? `${p}: no such file or directory` : `${p}: cannot read (${code ?? String(e)})`);
        }
      }

      let bar: cliProgress.SingleBar | undefined;
      const showProgress = !opts.quiet && process.stderr.isTTY;
      // cli-progress is CommonJS; load it only when a bar will be drawn.
      const progress = showProgress ? (createRequire(import.meta.url)('cli-progress') as typeof cliProgress) : undefined;
      const report = await scan({ paths: fsPaths, ...(stdin && { stdin }) }, options, {
        onStart: (total) => {
          if (progress && total > 1) {
            const b = new progress.SingleBar(
              { stream: process.stderr, format: 'scanning [{bar}] {value}/{total} {file}', hideCursor: true, clearOnComplete: true, fps: 10 },
              progress.Presets.shades_classic,
            );
            b.start(total, 0, { file: '' });
            bar = b;
          }
        },
        onProgress: (done, path) => {
          if (!bar) return;
          // File names are untrusted too: no escape sequences reach the terminal through the bar.
          const shown = sanitizeText(path);
          bar.update(done, { file: shown.length > 40 ? `…${shown.slice(-39)}` : shown });
        },
      });
      bar?.stop();

      const failOn: Severity | 'none' = pick(cmd, 'failOn', opts.failOn, config.scan.failOn);
      const toStdout = opts.output === undefined;
      const rendered =
        opts.format === 'json'
          ? renderJson(report)
          : opts.format === 'ndjson'
            ? renderNdjson(report)
          : opts.format === 'sarif'
            ? renderSarif(report)
            : renderText(report, { color: toStdout && useColor(process.stdout, !opts.color), quiet: opts.quiet, failOn });
      if (opts.output !== undefined) writeFileAtomic(opts.output, rendered);
      else process.stdout.write(rendered);
      const failing = failOn !== 'none' && report.findings.some((f) => !f.suppressed && atLeast(f.severity, failOn));
      process.exitCode = failing ? 1 : 0;
    });
}
