import type { Command } from '@commander-js/extra-typings';
import { InvalidArgumentError, Option } from '@commander-js/extra-typings';
import type cliProgress from 'cli-progress';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveRules } from '../../config/index.js';
import { DEFAULT_SCAN_OPTIONS, allRegistry, buildReport, packageRoot, registry, scan, targetReporter } from '../../engine/index.js';
import type { ScanOptions } from '../../engine/index.js';
import type { ScanReport, Severity } from '../../findings/index.js';
import { BulwarkError, SEVERITIES, atLeast, isSeverity, summarize } from '../../findings/index.js';
import { PSS_MAX_MINOR, parsePssVersion } from '../../k8s-manifests/index.js';
import { TRIVY_FORMAT } from '../../trivy/index.js';
import { LIMIT_NAMES, resolveLimits } from '../../limits/index.js';
import type { ReportFormat } from '../../reporters/index.js';
import { FORMATS, renderCycloneDx, renderHtml, renderJson, renderNdjson, renderSarif, renderText, sanitizeText } from '../../reporters/index.js';
import { sha256Reader, sourceLinesReader } from '../report-files.js';
import { collect, loadCliConfig, parseLimitFlags, pick } from '../config.js';
import { isOciRef } from '../../oci/index.js';
import { readStdin, releaseTempDir, useColor, writeFileAtomic, writeStdout } from '../io.js';
import { REGISTRY_HELP, fetchScanTargets, relocateReport } from './oci.js';

/** `HIGH`, `High`, `high` are one severity (Trivy and most users write them upper-case). */
function severityArg(allowNone: boolean): (value: string) => Severity | 'none' {
  return (value) => {
    const v = value.trim().toLowerCase();
    if (isSeverity(v) || (allowNone && v === 'none')) return v;
    throw new InvalidArgumentError(`'${value}' is invalid; allowed: ${[...SEVERITIES, ...(allowNone ? ['none'] : [])].join(', ')} (any case)`);
  };
}

/** `--severity CRITICAL,HIGH` (a display filter, Trivy's syntax): the severities to show. */
function severityList(value: string, previous: Severity[] | undefined): Severity[] {
  const out = [...(previous ?? [])];
  for (const part of value.split(',')) {
    const v = part.trim().toLowerCase();
    if (v === '') continue;
    if (!isSeverity(v)) throw new InvalidArgumentError(`'${part.trim()}' is invalid; allowed: ${SEVERITIES.join(', ')} (any case, comma-separated)`);
    if (!out.includes(v)) out.push(v);
  }
  return out;
}

function levelArg(value: string): 'baseline' | 'restricted' {
  const v = value.trim().toLowerCase();
  if (v === 'baseline' || v === 'restricted') return v;
  throw new InvalidArgumentError(`'${value}' is invalid; allowed: baseline, restricted`);
}

/** A PSS version Bulwark knows: `latest` or v1.0 … v1.<newest>. An unknown version is an error, never "latest". */
function checkPssVersion(v: string): void {
  parsePssVersion(v);
  const m = /^v1\.(\d+)$/.exec(v.trim());
  if (m?.[1] !== undefined && Number(m[1]) > PSS_MAX_MINOR) {
    throw new BulwarkError('USAGE', `--pss-version ${v}: Bulwark knows Pod Security Standards up to v1.${PSS_MAX_MINOR}; use latest or v1.0–v1.${PSS_MAX_MINOR}`);
  }
}

/** Keep only the findings a `--severity` filter shows (the exit gate still sees every finding). */
function filterReport(report: ScanReport, show: readonly Severity[] | undefined): ScanReport {
  if (show === undefined || show.length === 0) return report;
  const findings = report.findings.filter((f) => show.includes(f.severity));
  const ids = new Set(findings.map((f) => f.ruleId));
  return { ...report, findings, rules: report.rules.filter((r) => ids.has(r.id)), summary: summarize(report.targets, findings) };
}

export function registerScan(program: Command): void {
  program
    .command('scan')
    .description('Scan model files, model folders, Kubernetes manifests, Dockerfiles and Trivy JSON reports (format detected from content).')
    .argument('<paths...>', 'files or directories to scan (container images too: OCI layouts, docker-archive tarballs); `-` reads stdin; oci://REF scans a model artifact or a container image in a registry')
    .addOption(new Option('-f, --format <format>', 'report format').choices(FORMATS).default('text' as ReportFormat))
    .option('-o, --output <file>', 'write the report to FILE (atomically) instead of stdout; a one-line summary goes to stderr')
    .option('--output-html <file>', 'also write the HTML report to FILE (whatever --format is)')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when an unsuppressed finding is at or above this severity (or none)').argParser(severityArg(true)).default('high' as Severity | 'none'))
    .addOption(new Option('--severity <list>', 'show only these severities, e.g. CRITICAL,HIGH (display filter; --fail-on still sees everything)').argParser(severityList))
    .option('--explain', 'text: under each finding, its evidence, field, why it matters and how to fix it', false)
    .option('--summary', 'text: one screen of counts by severity, rule and file instead of the finding list', false)
    .option('-j, --jobs <n>', 'parallel workers (default: the cores, fewer for small scans)')
    .option('-q, --quiet', 'no progress bar and no summary; in text format only findings at or above --fail-on', false)
    .option('--no-color', 'disable colours (also NO_COLOR=1)')
    .option('--strict', 'grade unknown pickle globals and similar unknowns as high', false)
    .addOption(new Option('--policy <policy>', 'policy: default, or production (pickle weights and unsigned models fail)').choices(['default', 'production'] as const).default('default' as const))
    .addOption(new Option('--pss-level <level>', 'Pod Security Standards level: baseline or restricted').argParser(levelArg).default('restricted' as 'baseline' | 'restricted'))
    .option('--pss-version <version>', `Pod Security Standards version: v1.0–v1.${PSS_MAX_MINOR} or latest`, 'latest')
    .option('--sandbox-runtime-class <name>', 'RuntimeClass accepted as a sandbox for untrusted models, besides kata*/gvisor*/runsc* (repeatable)', collect, [] as string[])
    .option('--limit <name=value>', `override a named limit (repeatable): ${LIMIT_NAMES.join(', ')}`, collect, [] as string[])
    .option('--skip-dirs <glob>', 'do not walk folders matching GLOB (repeatable; also `ignore:` in bulwark.yaml)', collect, [] as string[])
    .option('--skip-files <glob>', 'do not scan files matching GLOB (repeatable)', collect, [] as string[])
    .option('--key <public.pem>', 'verify model signatures with this public key')
    .option('--cert-chain <ca.pem>', 'trust anchor for certificate-signed models (repeatable)', collect, [] as string[])
    .option('--identity <id>', 'expected signer identity for keyless signatures')
    .option('--issuer <url>', 'expected OIDC issuer for keyless signatures')
    .option('--trusted-root <file>', 'sigstore trusted root for keyless verification')
    .option('--include-vcs', 'also walk .git/.hg/.svn folders', false)
    .option('--trivy-report <file>', "import a Trivy JSON report (`trivy image -f json -o FILE IMAGE`): its vulnerabilities, secrets and misconfigurations become findings (repeatable)", collect, [] as string[])
    .option('--ignore-unfixed', 'Trivy reports: leave out vulnerabilities that have no released fix', false)
    .option('--one-cluster', 'Kubernetes: every input is one cluster (default: each path argument is its own, so objects without a namespace are not merged across them)', false)
    .option('-c, --config <file>', 'configuration file (default: bulwark.yaml in the current directory, when present)')
    .option('--no-config', 'ignore bulwark.yaml')
    .option('--plain-http', `oci://: ${REGISTRY_HELP.plainHttp}`)
    .option('--ca-file <ca.pem>', `oci://: ${REGISTRY_HELP.caFile}`)
    .option('--registry-config <config.json>', `oci://: ${REGISTRY_HELP.registryConfig}`)
    .option('--platform <os/arch>', `oci://: ${REGISTRY_HELP.platform}`)
    .action(async (paths, opts, cmd) => {
      if (opts.explain && opts.summary) throw new BulwarkError('USAGE', '--explain and --summary are alternatives; give one');
      if ((opts.explain || opts.summary) && opts.format !== 'text') throw new BulwarkError('USAGE', `--${opts.explain ? 'explain' : 'summary'} applies to --format text`);
      const config = loadCliConfig(opts.config);
      resolveRules(config, allRegistry.rules); // validates rule settings and suppressions (one-line CONFIG error)
      const explicitJobs = opts.jobs === undefined ? config.scan.jobs : Number(opts.jobs);
      if (explicitJobs !== undefined && (!Number.isInteger(explicitJobs) || explicitJobs < 1 || explicitJobs > 256)) {
        throw new BulwarkError('USAGE', `--jobs must be an integer between 1 and 256, got "${opts.jobs}"`);
      }
      const pssVersion = pick(cmd, 'pssVersion', opts.pssVersion, config.kubernetes.pssVersion);
      checkPssVersion(pssVersion); // one-line usage error
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
        : config.signing;
      // --skip-dirs GLOB skips what is under a matching folder; --skip-files GLOB the matching files.
      const ignore = [...config.ignore, ...opts.skipDirs.map((g) => (g.endsWith('/') ? g : `${g}/`)), ...opts.skipFiles];
      const options: ScanOptions = {
        ...DEFAULT_SCAN_OPTIONS,
        limits,
        strict: pick(cmd, 'strict', opts.strict, config.scan.strict),
        policy: pick(cmd, 'policy', opts.policy, config.scan.policy),
        jobs: explicitJobs ?? 0, // 0: decided by defaultJobs once the files are known
        pssLevel: pick(cmd, 'pssLevel', opts.pssLevel, config.kubernetes.pssLevel),
        pssVersion,
        skipVcs: !pick(cmd, 'includeVcs', opts.includeVcs, config.scan.includeVcs),
        sandboxRuntimeClasses: opts.sandboxRuntimeClass.length > 0 ? opts.sandboxRuntimeClass : (config.kubernetes.sandboxRuntimeClasses ?? []),
        signing,
        rules: config.rules,
        ignore,
        suppressions: config.suppressions,
        pickle: config.pickle,
        oneCluster: pick(cmd, 'oneCluster', opts.oneCluster, config.kubernetes.oneCluster),
        ignoreUnfixed: opts.ignoreUnfixed,
      };
      const stdinCount = paths.filter((p) => p === '-').length;
      if (stdinCount > 1) throw new BulwarkError('USAGE', '`-` (stdin) may be given only once');
      const ociRefs = paths.filter((p) => isOciRef(p));
      // Trivy reports are scanned like any file (recognised by content); naming one adds it to the scan.
      const fsPaths = [...paths.filter((p) => p !== '-' && !isOciRef(p)), ...opts.trivyReport];
      for (const p of fsPaths) {
        try {
          statSync(p);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          throw new BulwarkError('USAGE', code === 'ENOENT' ? `${p}: no such file or directory` : `${p}: cannot read (${code ?? String(e)})`);
        }
      }
      const stdin = stdinCount === 1 ? await readStdin(limits.maxReadBytes) : undefined;
      // oci://REF: every layer streamed (digest checked) into a private temporary folder, scanned
      // there, then removed; findings are located at oci://REF@digest/<file>.
      // A refused artifact (hostile entry, digest mismatch, limit) is a finding on a partial target.
      const refusals = targetReporter(options);
      const { fetched, images, refused } = await fetchScanTargets(ociRefs, opts, refusals, limits);
      try {
        let bar: cliProgress.SingleBar | undefined;
        const showProgress = !opts.quiet && process.stderr.isTTY;
        // cli-progress is CommonJS; load it only when a bar will be drawn.
        const progress = showProgress ? (createRequire(import.meta.url)('cli-progress') as typeof cliProgress) : undefined;
        const scanned = await scan({ paths: [...fsPaths, ...fetched.map((f) => f.dir)], ...(stdin && { stdin }), ...(images.length > 0 && { images: images.map((i) => i.image) }) }, options, {
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
        for (const r of opts.trivyReport) {
          const t = scanned.targets.find((x) => resolve(x.path) === resolve(r));
          if (t !== undefined && t.format !== TRIVY_FORMAT) {
            throw new BulwarkError('USAGE', `--trivy-report ${r}: not a Trivy JSON report (write one with \`trivy image -f json -o ${r} IMAGE\`)`);
          }
        }

        const relocated = relocateReport(scanned, fetched);
        const full = refused.length === 0 ? relocated : buildReport(registry, [...relocated.targets, ...refused], [...relocated.findings, ...refusals.finish()], relocated.attackPaths);
        const failOn: Severity | 'none' = pick(cmd, 'failOn', opts.failOn, config.scan.failOn);
        const failing = failOn === 'none' ? 0 : full.findings.filter((f) => !f.suppressed && atLeast(f.severity, failOn)).length;
        const report = filterReport(full, opts.severity);
        const toStdout = opts.output === undefined;
        const mode = opts.explain ? 'explain' : opts.summary ? 'summary' : 'compact';
        const rendered =
          opts.format === 'json'
            ? renderJson(report)
            : opts.format === 'ndjson'
              ? renderNdjson(report)
              : opts.format === 'sarif'
                ? renderSarif(report, { docsBaseUrl: process.env['BULWARK_DOCS_URL'] ?? pathToFileURL(join(packageRoot(), 'docs/')).href })
                : opts.format === 'html'
                  ? renderHtml(report, { failOn, sourceLines: sourceLinesReader(limits.maxTextBytes) })
                  : opts.format === 'cyclonedx'
                    ? renderCycloneDx(report, { sha256: sha256Reader(limits.maxReadBytes) })
                    : renderText(report, { color: toStdout && useColor(process.stdout, !opts.color), quiet: opts.quiet, failOn, mode });
        if (opts.outputHtml !== undefined) {
          writeFileAtomic(opts.outputHtml, renderHtml(report, { failOn, sourceLines: sourceLinesReader(limits.maxTextBytes) }));
          if (!opts.quiet) process.stderr.write(`bulwark: wrote ${sanitizeText(opts.outputHtml)} (html)\n`);
        }
        process.exitCode = failing > 0 ? 1 : 0;
        if (opts.output !== undefined) {
          writeFileAtomic(opts.output, rendered);
          if (!opts.quiet) {
            const s = full.summary;
            const counts = SEVERITIES.filter((k) => s.bySeverity[k] > 0).map((k) => `${s.bySeverity[k]} ${k}`);
            const verdict = failOn === 'none' ? 'not gated' : failing > 0 ? `FAIL: ${failing} at or above ${failOn}` : `PASS at ${failOn}`;
            process.stderr.write(`bulwark: wrote ${sanitizeText(opts.output)} (${opts.format}): ${full.targets.length} targets, ${s.total} findings${counts.length > 0 ? ` (${counts.join(', ')})` : ''}${s.suppressed > 0 ? `, ${s.suppressed} suppressed` : ''}; ${verdict}\n`);
          }
        } else await writeStdout(rendered);
      } finally {
        for (const f of fetched) releaseTempDir(f.dir);
        for (const i of images) i.close();
      }
    });
}
