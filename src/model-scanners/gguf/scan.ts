/**
 * The GGUF scanner: parse (parse.ts), report what stopped or limited the parse (fail-closed), then
 * let the rules judge the parsed file (rules.ts).
 */
import type { ByteSource } from '../../limits/index.js';
import { coreRules } from '../../rules/index.js';
import type { ModelScanContext } from '../context.js';
import { quote } from '../text/index.js';
import type { GgufFile } from './parse.js';
import { parseGguf } from './parse.js';
import { GGUF_RULES, embeddedObject } from './rules.js';
import { scanEmbeddedValue } from '../containers.js';

export interface GgufSummary {
  readonly version: number;
  readonly littleEndian: boolean;
  readonly kvCount: number;
  readonly tensorCount: number;
  /** Template-valued keys that were analysed. */
  readonly templates: readonly string[];
  readonly alignment: number;
}

/** Scan one GGUF source; returns its summary, or undefined when the parse did not complete. */
export function scanGguf(source: ByteSource, ctx: ModelScanContext): GgufSummary | undefined {
  let gguf: GgufFile;
  try {
    gguf = parseGguf(source, ctx.limits);
  } catch (e) {
    ctx.failed(e, 'GGUF analysis');
    return undefined;
  }
  let stopped = false;
  for (const p of gguf.problems) {
    if (p.kind === 'malformed') {
      stopped = true;
      ctx.incomplete(coreRules.malformedInput, `GGUF analysis stopped: ${p.message}`, p.offset);
    } else if (p.kind === 'limit') {
      stopped = true;
      ctx.failed(p.error, 'GGUF analysis');
    } else {
      ctx.incomplete(coreRules.limitExceeded, `template ${quote(p.key)} of ${p.length} bytes exceeds maxTextBytes; not analysed`, p.offset, 'maxTextBytes');
    }
  }
  for (const t of gguf.templates) {
    if (t.analysis.complete) continue;
    if (t.analysis.limit !== undefined) {
      ctx.incomplete(coreRules.limitExceeded, `chat template ${quote(t.key)} was only partly analysed: it has more than ${t.analysis.limit} (${ctx.limits.maxTemplateTokens}) tokens`, t.offset, t.analysis.limit);
    } else {
      ctx.incomplete(coreRules.limitExceeded, `chat template ${quote(t.key)} was only partly analysed (an analysis bound was reached)`, t.offset);
    }
  }
  ctx.check(GGUF_RULES, { gguf, at: ctx.locator });
  for (const v of gguf.strings) scanEmbeddedValue(ctx, embeddedObject, `<gguf metadata ${quote(v.key.slice(0, 80))}>`, v.bytes, ctx.at(v.offset));
  if (stopped) return undefined;
  const { version, littleEndian, kvCount, tensorCount, alignment } = gguf;
  return { version, littleEndian, kvCount, tensorCount, templates: gguf.templates.map((t) => t.key), alignment };
}
