/** The public API of the model scanners: one Reporter for every finding, selection, caps, status. */
import { describe, expect, it } from 'vitest';
import { BufferSource, DEFAULT_LIMITS, resolveLimits } from '../limits/index.js';
import { Reporter, createSelection } from '../rules/index.js';
import { benignGguf } from '../../test-fixtures/gguf-builder.js';
import { EVIL_PICKLE, OPTIONS, modelReporter, scanBytes } from '../../test-fixtures/model-scan-helpers.js';
import { pickle } from '../../test-fixtures/pickle-builder.js';
import { MODEL_SCANNER_RULES, MODEL_SCANNER_RULESET, scanModelSource } from './index.js';

const ESCAPE = "{{ cycler.__init__.__globals__.os.popen('id').read() }}";

describe('scanModelSource', () => {
  it('sends every finding to the caller\u2019s Reporter and returns only format and status', () => {
    const reporter = modelReporter();
    const r = scanModelSource(new BufferSource(EVIL_PICKLE), 'm.pkl', OPTIONS, DEFAULT_LIMITS, reporter);
    expect(r).toEqual({ format: 'pickle', status: 'complete' });
    expect(reporter.finish().map((f) => f.ruleId)).toEqual(['pickle/dangerous-call']);
  });

  it('returns undefined for content that is not a model format, and reports nothing', () => {
    const reporter = modelReporter();
    expect(scanModelSource(new BufferSource(new TextEncoder().encode('just text')), 't.txt', OPTIONS, DEFAULT_LIMITS, reporter)).toBeUndefined();
    expect(reporter.finish()).toEqual([]);
  });

  it('is partial when a fail-closed finding was reported (the Reporter decides)', () => {
    const reporter = modelReporter();
    const r = scanModelSource(new BufferSource(EVIL_PICKLE.subarray(0, EVIL_PICKLE.length - 1)), 'm.pkl', OPTIONS, DEFAULT_LIMITS, reporter);
    expect(r?.status).toBe('partial');
    expect([...reporter.partialPaths()]).toEqual(['m.pkl']);
  });

  it('honours the user\u2019s rule selection: disabled rules are not run, severities are overridden', () => {
    const selection = createSelection(MODEL_SCANNER_RULES, [
      { selector: 'gguf/chat-template-injection', setting: { enabled: false } },
      { selector: 'pickle/dangerous-call', setting: { severity: 'medium' } },
    ]);
    const reporter = new Reporter({ selection });
    scanModelSource(new BufferSource(benignGguf(ESCAPE)), 'm.gguf', OPTIONS, DEFAULT_LIMITS, reporter);
    scanModelSource(new BufferSource(EVIL_PICKLE), 'm.pkl', OPTIONS, DEFAULT_LIMITS, reporter);
    expect(reporter.finish().map((f) => [f.ruleId, f.severity])).toEqual([['pickle/dangerous-call', 'medium']]);
  });

  it('caps findings per rule with one "N more" summary, and per target (partial, counted)', () => {
    const many = pickle((b) => {
      b.proto(2).global('os', 'system').binPut(0);
      for (let i = 0; i < 30; i++) b.binGet(0).str(`echo ${i}`, 2).tuple1().reduce().pop();
      b.stop();
    });
    const perRule = scanBytes(many, { maxFindingsPerRule: 5 });
    expect(perRule?.findings).toHaveLength(6);
    expect(perRule?.findings.at(-1)?.message).toMatch(/^25 more findings of this rule/);
    expect(perRule?.status).toBe('complete');
    const perTarget = scanBytes(many, { maxFindingsPerTarget: 3 });
    expect(perTarget?.findings.filter((f) => f.ruleId === 'pickle/dangerous-call' && !f.message.includes('more findings of this rule'))).toHaveLength(3);
    expect(perTarget?.findings.find((f) => f.evidence === 'maxFindingsPerTarget')).toBeDefined();
    expect(perTarget?.status).toBe('partial');
  });

  it('threads the pickle policy extension and refuses invalid entries with a configuration error', () => {
    const custom = pickle((b) => b.proto(2).global('mycorp.layers', 'Block').emptyTuple().newObj().stop());
    expect(scanBytes(custom)?.findings.map((f) => f.ruleId)).toEqual(['pickle/unknown-global']);
    expect(scanBytes(custom, {}, 'm.pkl', { ...OPTIONS, pickle: { allow: ['mycorp.*'], deny: [] } })?.findings).toEqual([]);
    expect(scanBytes(custom, {}, 'm.pkl', { ...OPTIONS, pickle: { allow: [], deny: ['mycorp.layers.Block'] } })?.findings.map((f) => [f.ruleId, f.severity])).toEqual([['pickle/dangerous-call', 'high']]);
    expect(() => scanBytes(custom, {}, 'm.pkl', { ...OPTIONS, pickle: { allow: ['not an entry'], deny: [] } })).toThrow(/pickle\.allow/);
  });

  it('names only limits that --limit accepts in its limit findings', () => {
    const r = scanBytes(benignGguf(ESCAPE), resolveLimits({ maxTemplateTokens: 3 }));
    const names = (r?.findings ?? []).filter((f) => f.ruleId === 'scan/limit-exceeded').map((f) => f.evidence);
    expect(names).toEqual(['maxTemplateTokens']);
  });
});

describe('MODEL_SCANNER_RULESET', () => {
  it('is the domain\u2019s one rule set, its prefixes matching the format folders', () => {
    expect(MODEL_SCANNER_RULESET.rules).toBe(MODEL_SCANNER_RULES);
    const prefixes = new Set(MODEL_SCANNER_RULES.map((r) => r.id.split('/')[0]));
    expect([...prefixes].sort()).toEqual([...MODEL_SCANNER_RULESET.prefixes].sort());
  });
});
