#!/usr/bin/python3
"""Real checkpoints for `bulwark convert` (issue 17), written by Debian's python3-torch.

Run with Debian's interpreter (apt-get install -y python3-torch python3-numpy):

    /usr/bin/python3 scripts/make-convert-fixtures.py test-fixtures/real/convert

Every file is small (a few KiB). Next to them, `expected.json` records, per file and per tensor name
(the dotted name `bulwark convert` gives it), the dtype (safetensors spelling), the shape and the
SHA-256 of the tensor's contiguous little-endian bytes, computed here by torch itself, so the test
checks the converter against values it did not compute. Seeds are fixed; torch embeds nothing
variable in these files except the zip's serialization id.
"""
import hashlib
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

OUT = sys.argv[1] if len(sys.argv) > 1 else 'test-fixtures/real/convert'
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(17)

DTYPES = {
    torch.float64: 'F64', torch.float32: 'F32', torch.float16: 'F16', torch.bfloat16: 'BF16',
    torch.int64: 'I64', torch.int32: 'I32', torch.int16: 'I16', torch.int8: 'I8', torch.uint8: 'U8',
    torch.bool: 'BOOL', torch.complex64: 'C64',
}


def tbytes(t):
    t = t.detach().contiguous().reshape(-1)
    if t.numel() == 0:
        return b''
    return t.view(torch.uint8).numpy().tobytes()


def record(tensors):
    return {k: {'dtype': DTYPES[v.dtype], 'shape': list(v.shape), 'sha256': hashlib.sha256(tbytes(v)).hexdigest()} for k, v in tensors.items()}


expected = {}


def save(name, obj, tensors, **kw):
    torch.save(obj, os.path.join(OUT, name), **kw)
    expected[name] = record(tensors)


# 1. A plain fp32 state dict (nn.Sequential MLP, with a BatchNorm's buffers: running stats and an int64 counter).
mlp = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.ReLU(), nn.Linear(3, 2))
sd = mlp.state_dict()
save('state-dict-fp32.pt', sd, dict(sd))

# 2. Every dtype torch 1.13 saves that safetensors has, plus a zero-size tensor and a scalar.
mix = {
    'f64': torch.randn(3, dtype=torch.float64),
    'f32': torch.randn(2, 3),
    'f16': torch.randn(2, 2).half(),
    'bf16': torch.randn(5).bfloat16(),
    'i64': torch.tensor([-(2 ** 62), 1, 2 ** 40], dtype=torch.int64),
    'i32': torch.tensor([-7, 7], dtype=torch.int32),
    'i16': torch.tensor([-300, 300], dtype=torch.int16),
    'i8': torch.tensor([-128, 127], dtype=torch.int8),
    'u8': torch.tensor([0, 255, 7], dtype=torch.uint8),
    'bool': torch.tensor([True, False, True]),
    'c64': torch.randn(2, dtype=torch.complex64),
    'empty': torch.zeros(0, 4),
    'scalar': torch.tensor(3.5),
}
save('dtypes-mix.pt', mix, mix)

# 3. Tied embeddings: the state dict (two names, one storage) and the full-model save (a custom class).
class TiedLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(6, 4)
        self.head = nn.Linear(4, 6, bias=False)
        self.head.weight = self.embed.weight


TiedLM.__module__ = 'tinylm'  # what a model defined in a module of the user's project pickles as
import types  # noqa: E402
sys.modules['tinylm'] = types.ModuleType('tinylm')
sys.modules['tinylm'].TiedLM = TiedLM
lm = TiedLM()
lsd = lm.state_dict()
save('tied-state-dict.pt', lsd, dict(lsd))
save('tied-full-model.pt', lm, dict(lsd))

# 4. Views: a transpose (non-contiguous), a row slice (storage offset), a column (stride), each saving the whole base storage.
base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
views = {'transposed': base.t(), 'rows': torch.arange(20, dtype=torch.int16).reshape(4, 5)[1:3], 'column': torch.randn(4, 3).bfloat16()[:, 1]}
save('views.pt', views, views)

# 5. Nested: a training checkpoint (epoch, model state dict under 'model' with DataParallel 'module.' prefixes).
inner = {'module.' + k: v for k, v in nn.Linear(2, 2).state_dict().items()}
save('nested.pt', {'epoch': 3, 'model': inner}, {k[len('module.'):]: v for k, v in inner.items()})

# 6. Legacy (pre-1.6) serialization.
leg = {'w': torch.randn(3, 2), 'b': torch.arange(3, dtype=torch.int64), 'h': torch.randn(4).half()}
save('legacy.pt', leg, leg, _use_new_zipfile_serialization=False)

# 7. A Hugging Face style sharded checkpoint: two shards and the index transformers reads.
shard_dir = os.path.join(OUT, 'sharded')
os.makedirs(shard_dir, exist_ok=True)
s1 = {'model.embed.weight': torch.randn(5, 3), 'model.layer.0.weight': torch.randn(3, 3).half()}
s2 = {'model.layer.1.weight': torch.randn(3, 3).bfloat16(), 'lm_head.bias': torch.zeros(5)}
names = ['pytorch_model-00001-of-00002.bin', 'pytorch_model-00002-of-00002.bin']
for n, s in zip(names, (s1, s2)):
    torch.save(s, os.path.join(shard_dir, n))
    expected['sharded/' + n] = record(s)
total = sum(v.numel() * v.element_size() for s in (s1, s2) for v in s.values())
index = {'metadata': {'total_size': total}, 'weight_map': {k: n for n, s in zip(names, (s1, s2)) for k in s}}
with open(os.path.join(shard_dir, 'pytorch_model.bin.index.json'), 'w') as f:
    json.dump(index, f, indent=2, sort_keys=True)

# 8. numpy: one .npy and an .npz of non-object arrays.
arr = np.arange(6, dtype='<f4').reshape(2, 3)
np.save(os.path.join(OUT, 'array.npy'), arr)
npz = {'a': np.arange(4, dtype='<i8'), 'b': np.ones((2, 2), dtype='>f8')}
np.savez(os.path.join(OUT, 'arrays.npz'), **npz)
expected['array.npy'] = {'array': {'dtype': 'F32', 'shape': [2, 3], 'sha256': hashlib.sha256(arr.astype('<f4').tobytes()).hexdigest()}}
expected['arrays.npz'] = {k: {'dtype': 'I64' if k == 'a' else 'F64', 'shape': list(v.shape), 'sha256': hashlib.sha256(v.astype(v.dtype.newbyteorder('<')).tobytes()).hexdigest()} for k, v in npz.items()}

with open(os.path.join(OUT, 'expected.json'), 'w') as f:
    json.dump({'torch': torch.__version__, 'numpy': np.__version__, 'files': expected}, f, indent=1, sort_keys=True)
    f.write('\n')
print('wrote', OUT, 'torch', torch.__version__)
