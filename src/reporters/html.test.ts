import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HOSTILE, bulkReport, sampleReport } from '../../test-fixtures/report-builder.js';
import { HTML_SCRIPT } from './html-app.js';
import { renderHtml, scriptJson } from './html.js';

/** What a browser would see as the data block and the script (tested in a real browser by html.browser.test.ts). */
function parts(html: string): { data: string; scripts: string[] } {
  const data = /<script type="application\/json" id="bulwark-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '');
  return { data, scripts };
}

describe('html reporter (static checks)', () => {
  const html = renderHtml(sampleReport(), { failOn: 'high', sourceLines: (p) => (p === 'k8s/job.yaml' ? Array.from({ length: 20 }, (_, i) => `line ${i + 1}`) : undefined) });
  it('one self-contained file: no external URL, a strict CSP with the script hash', () => {
    expect(html).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//i);
    const hash = createHash('sha256').update(HTML_SCRIPT).digest('base64');
    expect(html).toContain(`default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${hash}'`);
  });
  it('hostile strings cannot close the data block or open markup', () => {
    const { data, scripts } = parts(html);
    // Exactly one executable script: ours.
    expect(scripts).toEqual([HTML_SCRIPT]);
    expect(data).not.toMatch(/[<>\u2028\u2029]/);
    const parsed = JSON.parse(data) as { findings: { m: string }[] };
    expect(parsed.findings.some((f) => f.m.includes(HOSTILE))).toBe(true);
    expect(scriptJson('</script>\u2028')).toBe('"\\u003c/script\\u003e\\u2028"');
  });
  it('snippets at the exact line for manifests, the call chain for pickles, the remediation', () => {
    const parsed = JSON.parse(parts(html).data) as { findings: { p: string; c?: { s: number; h: number; l: string[] }; k?: string; e?: string }[] };
    const k8s = parsed.findings.find((f) => f.p === 'k8s/job.yaml');
    expect(k8s?.c).toEqual({ s: 12, h: 14, l: ['line 12', 'line 13', 'line 14', 'line 15', 'line 16'] });
    const pickle = parsed.findings.find((f) => f.p === 'models/evil/pytorch_model.bin');
    expect(pickle?.k).toBe('call chain');
    expect(pickle?.e).toBe('posix.system("echo hi")');
  });
  it('stays small: 10,000 findings in a few MB', () => {
    const big = renderHtml(bulkReport(10_000));
    expect(big.length).toBeLessThan(4 * 1024 * 1024);
  });
});
