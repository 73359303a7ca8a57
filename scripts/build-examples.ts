/**
 * Builds the model files of the demo AI application in examples/ (run by `npm run examples` and
 * `npm run demo`). The files are generated, not committed: a benign PyTorch checkpoint and a
 * "community fine-tune" whose pickle runs a harmless shell command when loaded (it only echoes a line).
 * Nothing here executes a pickle: the files are assembled opcode by opcode.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benignGguf } from '../test-fixtures/gguf-builder.js';
import { hostileHfFolder, writeTree } from '../test-fixtures/hf-builder.js';
import { PickleBuilder, torchStateDict } from '../test-fixtures/pickle-builder.js';
import { buildTorchZip } from '../test-fixtures/zip-builder.js';


/** Storage bytes for `count` tensors of `numel` float32 values (deterministic, not all zeros). */
function storages(count: number, numel: number): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (let i = 0; i < count; i++) {
    const f = new Float32Array(numel);
    for (let j = 0; j < numel; j++) f[j] = Math.sin(i * 31 + j) * 0.02;
    out[String(i)] = new Uint8Array(f.buffer);
  }
  return out;
}

/**
 * A state dict like the benign one, plus one extra entry whose value is built by
 * `posix.system("echo …")`: pickle resolves `posix` to the os module's implementation on Linux, a
 * spelling naive deny lists (looking for `os.system`) miss. The payload is harmless: it prints a line.
 */
function maliciousStateDict(): Uint8Array {
  const b = new PickleBuilder();
  b.proto(2);
  b.global('collections', 'OrderedDict').emptyTuple().reduce();
  b.mark();
  b.binUnicode('classifier.bias');
  b.global('posix', 'system');
  b.binUnicode("echo 'bulwark demo: this command ran when the model was loaded'");
  b.tuple1().reduce();
  b.setItems();
  b.stop();
  return b.build();
}

/** Write the example model files under `root` (the examples/ folder); returns what it wrote, for messages. */
export function writeExampleModels(root: string): string[] {
  const benignDir = join(root, 'models/sentiment-classifier');
  const evilDir = join(root, 'models/community-finetune');
  mkdirSync(benignDir, { recursive: true });
  mkdirSync(evilDir, { recursive: true });
  writeFileSync(join(benignDir, 'model.pt'), buildTorchZip({ dataPkl: torchStateDict(4, { keyPrefix: 'encoder.layer', shape: [16, 16] }), storages: storages(4, 256) }));
  writeFileSync(join(evilDir, 'pytorch_model.bin'), buildTorchZip({ root: 'pytorch_model', dataPkl: maliciousStateDict() }));
  // A Hugging Face-style repository of a "community" chat model: auto_map pulls custom Python code
  // (harmless payloads that would only echo), a chat template with a Jinja sandbox escape, a GGUF
  // whose template hides an escape behind string concatenation, and a pickle next to safetensors.
  const hfDir = join(root, 'models/community-chat-hf');
  writeTree(hfDir, {
    ...hostileHfFolder(),
    'model.gguf': benignGguf("{{ ()|attr('__cla' ~ 'ss__') }}"),
    'README.md': '# community-chat (Bulwark demo, harmless)\n\nEvery file here is built to trigger a Bulwark finding; the payloads only `echo bulwark-demo` and the scanner never runs them.\n',
  });
  return [
    join('examples', 'models/sentiment-classifier/model.pt'),
    join('examples', 'models/community-finetune/pytorch_model.bin'),
    join('examples', 'models/community-chat-hf/'),
  ];
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const written = writeExampleModels(join(import.meta.dirname, '../../examples'));
  process.stdout.write(`examples: wrote ${written.join(' and ')}\n`);
}
