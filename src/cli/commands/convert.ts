import type { Command } from '@commander-js/extra-typings';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { toolVersion } from '../../engine/index.js';
import type { Finding } from '../../findings/index.js';
import { BulwarkError, REPORT_SCHEMA_VERSION, compareFindings, summarize } from '../../findings/index.js';
import type { ConversionPlan, ConversionSink, ConvertOptions, Refusal, VerifyResult } from '../../model-scanners/index.js';
import { planCheckpoint, planSharded, shardIndexOf, verifyConversion, writeConversion } from '../../model-scanners/index.js';
import { renderText, sanitizeText } from '../../reporters/index.js';
import { AtomicFile, useColor, writeStdout } from '../io.js';

/** The converter's sink over an all-or-nothing file: appends run asynchronously. */
function sinkOf(f: AtomicFile): ConversionSink {
  return { write: (d) => f.append(d), writeAt: (p, d) => f.writeAt(p, d) };
}

/** Refusal: the scan's findings as `bulwark scan` prints them, then the converter's reasons. */
function refusalText(r: Refusal, color: boolean): string {
  const findings: Finding[] = [...r.findings].sort(compareFindings);
  const targets = [{ path: r.input, format: 'pytorch', status: 'complete' as const }];
  let out = '';
  if (findings.length > 0) {
    out += renderText(
      { schemaVersion: REPORT_SCHEMA_VERSION, tool: { name: 'bulwark', version: toolVersion() }, targets, findings, rules: [], summary: summarize(targets, findings) },
      { color, quiet: false, failOn: 'info' },
    );
  }
  for (const p of r.problems) out += `refused: ${sanitizeText(p)}\n`;
  out += `bulwark convert: refused to convert ${sanitizeText(r.input)}: ${r.problems.length > 0 ? 'see the reasons above' : 'the scan found the issues above'}; nothing was written\n`;
  return out;
}

function leftOutText(plan: ConversionPlan): string {
  if (plan.leftOut.length === 0) return '';
  return `left out (not tensors):\n${plan.leftOut.map((l) => `  ${sanitizeText(l)}\n`).join('')}`;
}

function summaryLine(plan: ConversionPlan, out: string): string {
  const aliases = plan.aliases.size > 0 ? `, ${plan.aliases.size} tied alias${plan.aliases.size === 1 ? '' : 'es'}` : '';
  return `Converted ${sanitizeText(plan.input)} -> ${sanitizeText(out)}: ${plan.tensors.length} tensor${plan.tensors.length === 1 ? '' : 's'}${aliases}, ${plan.outputSize} bytes\n`;
}

function verifyText(v: VerifyResult, input: string, output: string): string {
  if (v.ok) return `Verified ${sanitizeText(output)}: ${v.compared} tensor${v.compared === 1 ? '' : 's'} match ${sanitizeText(input)} bit for bit\n`;
  return `${v.mismatches.map((m) => `mismatch: ${sanitizeText(m)}\n`).join('')}bulwark convert --verify: ${sanitizeText(output)} does not match ${sanitizeText(input)}\n`;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description(
      'Convert a PyTorch checkpoint (torch.save zip or legacy; a Hugging Face sharded checkpoint given by its folder or pytorch_model.bin.index.json) or a numpy .npy/.npz to safetensors without executing it. Refused when the scan finds anything above info.',
    )
    .argument('<in>', 'checkpoint file, or a sharded checkpoint folder / its .index.json')
    .argument('<out>', 'safetensors file to write (a folder for sharded checkpoints)')
    .option('--key <path>', 'convert only the sub-dictionary at this key (e.g. model, state_dict; nested: a/b)')
    .option('--tensors-only', 'take the tensors of objects that are not plain state dicts and list what was left out (payloads are still refused)', false)
    .option('--verify', 'compare OUT with IN tensor by tensor, bit for bit, instead of converting', false)
    .option('-f, --force', 'overwrite OUT', false)
    .option('-q, --quiet', 'print nothing on success', false)
    .option('--no-color', 'no colors in refusal output')
    .action(async (input, output, opts) => {
      if (!existsSync(input)) throw new BulwarkError('USAGE', `no such file or folder: ${input}`);
      const options: ConvertOptions = {
        version: toolVersion(),
        tensorsOnly: opts.tensorsOnly,
        ...(opts.key !== undefined && { key: opts.key }),
      };
      const color = useColor(process.stdout, !opts.color);
      const index = shardIndexOf(input);
      if (index === undefined && isDir(input)) throw new BulwarkError('USAGE', `${input} is a folder without pytorch_model.bin.index.json`);

      if (opts.verify) {
        let text = '';
        let ok = true;
        if (index === undefined) {
          if (!existsSync(output)) throw new BulwarkError('USAGE', `no such file: ${output}`);
          const v = verifyConversion(input, output, options);
          if (v.refused) {
            await writeStdout(refusalText(v, color));
            process.exitCode = 1;
            return;
          }
          ok = v.ok;
          text = verifyText(v, input, output);
        } else {
          const sp = planSharded(index, options);
          if (sp.refused) {
            await writeStdout(refusalText(sp, color));
            process.exitCode = 1;
            return;
          }
          const outIndex = join(output, 'model.safetensors.index.json');
          let got: unknown;
          try {
            got = JSON.parse(readFileSync(outIndex, 'utf8'));
          } catch {
            got = undefined;
          }
          if (JSON.stringify(got) !== JSON.stringify(JSON.parse(sp.indexJson))) {
            ok = false;
            text += `mismatch: ${sanitizeText(outIndex)} is missing or differs from the index the shards give\n`;
          }
          for (const s of sp.shards) {
            const target = join(output, s.output);
            if (!existsSync(target)) {
              ok = false;
              text += `mismatch: ${sanitizeText(target)} is missing\n`;
              continue;
            }
            const v = verifyConversion(s.plan.input, target, options);
            if (v.refused) {
              await writeStdout(refusalText(v, color));
              process.exitCode = 1;
              return;
            }
            ok &&= v.ok;
            text += verifyText(v, s.plan.input, target);
          }
        }
        if (!ok || !opts.quiet) await writeStdout(text);
        process.exitCode = ok ? 0 : 1;
        return;
      }

      if (index === undefined) {
        if (isDir(output)) throw new BulwarkError('USAGE', `${output} is a folder; give the safetensors file to write`);
        if (existsSync(output) && !opts.force) throw new BulwarkError('USAGE', `${output} exists (use --force to overwrite)`);
        const plan = planCheckpoint(input, options);
        if (plan.refused) {
          await writeStdout(refusalText(plan, color));
          process.exitCode = 1;
          return;
        }
        const file = new AtomicFile(output);
        try {
          await writeConversion(plan, sinkOf(file));
          await file.settle();
          file.commit();
        } catch (e) {
          file.abort();
          throw e;
        }
        if (!opts.quiet) await writeStdout(summaryLine(plan, output) + leftOutText(plan));
        process.exitCode = 0;
        return;
      }

      const sp = planSharded(index, options);
      if (sp.refused) {
        await writeStdout(refusalText(sp, color));
        process.exitCode = 1;
        return;
      }
      if (existsSync(output) && !isDir(output)) throw new BulwarkError('USAGE', `${output} exists and is not a folder`);
      const targets = [...sp.shards.map((s) => join(output, s.output)), join(output, 'model.safetensors.index.json')];
      if (!opts.force) for (const t of targets) if (existsSync(t)) throw new BulwarkError('USAGE', `${t} exists (use --force to overwrite)`);
      try {
        mkdirSync(output, { recursive: true });
      } catch (e) {
        throw new BulwarkError('IO', `cannot create ${output}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
      }
      const files: AtomicFile[] = [];
      try {
        for (const s of sp.shards) {
          const f = new AtomicFile(join(output, s.output));
          files.push(f);
          await writeConversion(s.plan, sinkOf(f));
          await f.settle();
        }
        const idx = new AtomicFile(join(output, 'model.safetensors.index.json'));
        files.push(idx);
        idx.write(Buffer.from(sp.indexJson, 'utf8'));
        AtomicFile.commitAll(files);
      } catch (e) {
        for (const f of files) f.abort();
        throw e;
      }
      if (!opts.quiet) {
        let text = '';
        for (const s of sp.shards) text += summaryLine(s.plan, join(output, s.output)) + leftOutText(s.plan);
        text += `Wrote ${sanitizeText(join(output, 'model.safetensors.index.json'))} (${sp.shards.length} shard${sp.shards.length === 1 ? '' : 's'})\n`;
        await writeStdout(text);
      }
      process.exitCode = 0;
    });
}
