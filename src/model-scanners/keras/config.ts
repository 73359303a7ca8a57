/**
 * A Keras model config (the `config.json` of a `.keras` v3 archive, or the
 * `model_config`/`training_config` attributes of a legacy `.h5` file), parsed into the list of its
 * objects. Keras 3's `deserialize_keras_object` resolves every `{module, class_name, config,
 * registered_name}` object by importing `module`; Keras 2 configs name classes only. The walk visits
 * every object at any depth (nested Functional/Sequential models, wrappers such as TimeDistributed,
 * initializers, activations, losses); the rules (rules.ts) judge the objects: Lambda layers, modules
 * outside Keras, known safe_mode bypasses and custom objects. `keras_version` from the archive is
 * recorded but never lowers a severity.
 */
import type { Location } from '../../findings/index.js';
import { coreRules } from '../../rules/index.js';
import type { ModelScanContext } from '../context.js';
import type { JsonValue } from '../text/index.js';
import { isJsonObject, parseStrictJson, quote } from '../text/index.js';
import { KERAS_CONFIG_RULES, malformedConfig } from './rules.js';

export interface KerasConfigOrigin {
  /** Where the config came from, for messages: `config.json`, `model_config attribute`. */
  readonly label: string;
  readonly location: Location;
}

export interface KerasConfigSummary {
  readonly objects: number;
  readonly layers: number;
  readonly lambdas: number;
}

/** One JSON object of the config, with the fields Keras deserialisation reads. */
export interface KerasObject {
  /** JSON path of the object (`/config/layers/2`). */
  readonly path: string;
  readonly className: string | undefined;
  readonly module: string | undefined;
  readonly registeredName: string | undefined;
  readonly config: JsonValue | undefined;
  /** `config.name`, when the config is an object with a string name. */
  readonly name: string | undefined;
}

/** What a rule check judges: the objects of one config, and where findings about it lie. */
export interface KerasConfigSubject {
  readonly objects: readonly KerasObject[];
  readonly origin: KerasConfigOrigin;
}

/** Every JSON object of a parsed config, depth first in document order (explicit stack, no recursion). */
export function kerasObjects(root: JsonValue): KerasObject[] {
  const out: KerasObject[] = [];
  const stack: { v: JsonValue; path: string }[] = [{ v: root, path: '' }];
  while (stack.length > 0) {
    const { v, path } = stack.pop() as { v: JsonValue; path: string };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i] as JsonValue, path: `${path}/${i}` });
      continue;
    }
    if (!isJsonObject(v)) continue;
    const config = v['config'];
    out.push({
      path,
      className: typeof v['class_name'] === 'string' ? v['class_name'] : undefined,
      module: typeof v['module'] === 'string' ? v['module'] : undefined,
      registeredName: typeof v['registered_name'] === 'string' ? v['registered_name'] : undefined,
      config,
      name: isJsonObject(config) && typeof config['name'] === 'string' ? config['name'] : undefined,
    });
    const entries = Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, child] = entries[i] as [string, JsonValue];
      if (typeof child === 'object' && child !== null) stack.push({ v: child, path: `${path}/${k}` });
    }
  }
  return out;
}

/** Parse and analyse one config text: malformed JSON is reported, the objects are judged by the rules. */
export function analyzeKerasConfig(text: string, origin: KerasConfigOrigin, ctx: ModelScanContext): KerasConfigSummary | undefined {
  const parsed = parseStrictJson(text, { maxDepth: ctx.limits.maxStructureDepth });
  if (!parsed.ok) {
    if (parsed.depthExceeded) {
      ctx.report(coreRules.limitExceeded, { location: origin.location, message: `${origin.label}: ${parsed.error}`, evidence: 'maxStructureDepth' });
      ctx.reporter.markPartial(ctx.path);
    } else {
      ctx.report(malformedConfig, { location: origin.location, message: `${origin.label} is not valid JSON: ${parsed.error}` });
    }
    return undefined;
  }
  for (const d of parsed.duplicates) {
    ctx.report(malformedConfig, {
      location: origin.location,
      message: `${origin.label} repeats the key ${quote(d.key)} in ${quote(d.path)}: Python's json keeps the last one`,
      evidence: `${d.path}/${d.key}`,
    });
  }
  return analyzeKerasConfigValue(parsed.value, origin, ctx);
}

/** Judge the objects of a parsed config with the Keras rules; returns counts for the summary. */
export function analyzeKerasConfigValue(root: JsonValue, origin: KerasConfigOrigin, ctx: ModelScanContext): KerasConfigSummary {
  const objects = kerasObjects(root);
  ctx.check(KERAS_CONFIG_RULES, { objects, origin });
  let classes = 0;
  let layers = 0;
  let lambdas = 0;
  for (const o of objects) {
    if (o.className === undefined) continue;
    classes++;
    if (isJsonObject(o.config) && 'trainable' in o.config) layers++;
    if (o.className === 'Lambda' || o.className === '__lambda__') lambdas++;
  }
  return { objects: classes, layers, lambdas };
}
