#!/usr/bin/python3
"""Generate the real benign corpus in test-fixtures/real/benign/: what ordinary ML code writes.

Run with Debian's python3 and its packages (bookworm):
    apt-get install python3-torch python3-torchvision python3-sklearn python3-joblib python3-numpy \
        python3-pandas python3-xgboost python3-gensim python3-statsmodels python3-skorch python3-lz4
    /usr/bin/python3 scripts/make-real-fixtures-benign.py
Versions are written to test-fixtures/real/benign/VERSIONS.txt. Every file is benign: ordinary objects
saved by the libraries' own writers. Libraries Debian does not package (transformers, lightgbm,
catboost) are represented by stand-in modules under the real module names, whose classes pickle
the way the real ones do (class paths, enums, dataclasses, `__getstate__` shapes) — see STUBS below;
the stand-ins are written to a temporary directory and never committed.
"""
import bz2
import dataclasses
import enum
import gzip
import importlib
import lzma
import os
import pickle
import sys
import tempfile
import textwrap
import warnings

warnings.filterwarnings('ignore')

import joblib
import numpy as np
import pandas as pd
import sklearn
import torch
import torchvision

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test-fixtures', 'real', 'benign')
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)
rng = np.random.default_rng(0)
written = []


def path(name):
    written.append(name)
    return os.path.join(out, name)


# --- PyTorch: TorchScript (scripted and traced), torch.package, torchvision objects -----------------


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(4, 8)
        self.fc2 = torch.nn.Linear(8, 2)
        self.scale = [1, 2, 3]

    def forward(self, x):
        h = torch.relu(self.fc1(x))
        if h.sum() > 0:
            h = h * 2
        for s in self.scale:
            h = h + s
        return self.fc2(h)


net = Net().eval()
torch.jit.save(torch.jit.script(net), path('torchscript-scripted.pt'))
torch.jit.save(torch.jit.trace(torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Tanh()), torch.randn(1, 4)), path('torchscript-traced.pt'))

pkg_src = tempfile.mkdtemp()
os.makedirs(os.path.join(pkg_src, 'tinymodels'))
open(os.path.join(pkg_src, 'tinymodels', '__init__.py'), 'w').write('')
open(os.path.join(pkg_src, 'tinymodels', 'mlp.py'), 'w').write(textwrap.dedent('''
    import torch


    class MLP(torch.nn.Module):
        """A two-layer perceptron (a torch.package interned module: its source ships in the archive)."""

        def __init__(self, width=8):
            super().__init__()
            self.body = torch.nn.Sequential(torch.nn.Linear(4, width), torch.nn.ReLU(), torch.nn.Linear(width, 2))

        def forward(self, x):
            return self.body(x)
'''))
sys.path.insert(0, pkg_src)
from tinymodels.mlp import MLP  # noqa: E402
from torch.package import PackageExporter  # noqa: E402

with PackageExporter(path('torch-package.pt')) as exp:
    exp.intern('tinymodels.**')
    exp.extern('torch.**')
    exp.save_pickle('model', 'model.pkl', MLP())

from torchvision import transforms  # noqa: E402
from torchvision.ops.misc import Conv2dNormActivation  # noqa: E402

torch.save(
    transforms.Compose([transforms.Resize(32, interpolation=transforms.InterpolationMode.BILINEAR), transforms.CenterCrop(28), transforms.ToTensor(), transforms.Normalize([0.5] * 3, [0.25] * 3)]),
    path('torchvision-transforms.pt'),
)
torch.save(Conv2dNormActivation(3, 4, kernel_size=3), path('torchvision-block-full.pt'))

# --- scikit-learn estimators through joblib (every compressor, lz4 included) and pickle -------------

from sklearn.calibration import CalibratedClassifierCV  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier, IsolationForest  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer, LabelEncoder, OneHotEncoder, StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

X = rng.normal(size=(60, 4))
y = (X[:, 0] + X[:, 1] > 0).astype(int)
joblib.dump(GradientBoostingClassifier(n_estimators=3, max_depth=2, random_state=0).fit(X, y), path('sklearn-gradient-boosting.joblib'), compress=('lz4', 3))
joblib.dump(HistGradientBoostingClassifier(max_iter=3).fit(X, y), path('sklearn-hist-gradient-boosting.joblib'), compress=3)
joblib.dump(SVC(probability=True, random_state=0).fit(X, y), path('sklearn-svc.joblib'))
joblib.dump(KMeans(n_clusters=2, n_init=2, random_state=0).fit(X), path('sklearn-kmeans.joblib'))
joblib.dump(IsolationForest(n_estimators=3, random_state=0).fit(X), path('sklearn-isolation-forest.joblib'), compress=('lz4', 1))
joblib.dump(KNeighborsClassifier(3).fit(X, y), path('sklearn-knn.joblib'))
joblib.dump(MLPClassifier(hidden_layer_sizes=(4,), max_iter=20, random_state=0).fit(X, y), path('sklearn-mlp.joblib'))
joblib.dump(CalibratedClassifierCV(SVC(random_state=0), cv=2).fit(X, y), path('sklearn-calibrated.joblib'))
joblib.dump(GridSearchCV(PCA(), {'n_components': [1, 2]}, cv=2).fit(X), path('sklearn-grid-search.joblib'))
docs = ['the cat sat', 'the dog ran', 'a cat and a dog', 'models are files']
joblib.dump(TfidfVectorizer(ngram_range=(1, 2)).fit(docs), path('sklearn-tfidf.joblib'))
frame = pd.DataFrame({'num': X[:, 0], 'cat': rng.choice(['a', 'b', 'c'], size=60)})
num = Pipeline([('log', FunctionTransformer(np.log1p, validate=False)), ('scale', StandardScaler())])
ct = ColumnTransformer([('num', num, ['num']), ('cat', OneHotEncoder(handle_unknown='ignore'), ['cat'])])
joblib.dump(Pipeline([('prep', ct), ('clf', KNeighborsClassifier(2))]).fit(frame.assign(num=frame.num.abs()), y), path('sklearn-column-pipeline.joblib'))
with open(path('sklearn-label-encoder.pkl'), 'wb') as f:
    pickle.dump(LabelEncoder().fit(['spam', 'ham', 'eggs']), f, protocol=5)

# --- xgboost, pandas, numpy, gensim, statsmodels, skorch -----------------------------------------------

import xgboost  # noqa: E402

xgb = xgboost.XGBClassifier(n_estimators=3, max_depth=2).fit(X, y)
joblib.dump(xgb, path('xgboost-classifier.joblib'))
with open(path('xgboost-booster.pkl'), 'wb') as f:
    pickle.dump(xgb.get_booster(), f)

df = pd.DataFrame(
    {
        'when': pd.date_range('2024-01-01', periods=6, freq='D', tz='UTC'),
        'kind': pd.Categorical(['a', 'b', 'a', 'c', 'b', 'a']),
        'value': np.linspace(0, 1, 6),
        'name': pd.array(['x', 'y', None, 'z', 'w', 'v'], dtype='string'),
        'span': pd.interval_range(0, 6),
        'period': pd.period_range('2024-01', periods=6, freq='M'),
    }
).set_index('when')
df.to_pickle(path('pandas-frame.pkl'))
df.to_pickle(path('pandas-frame.pkl.gz'))
df.to_pickle(path('pandas-frame.pkl.xz'))
pd.Series([1, 2, 3], index=pd.MultiIndex.from_tuples([('a', 1), ('a', 2), ('b', 1)])).to_pickle(path('pandas-series-multiindex.pkl.bz2'))

with open(path('numpy-generator.pkl'), 'wb') as f:
    pickle.dump({'rng': np.random.default_rng(1), 'legacy': np.random.RandomState(2), 'when': np.datetime64('2024-01-01T00:00'), 'ints': np.arange(5, dtype=np.int16)}, f, protocol=4)
np.save(path('numpy-datetime-object.npy'), np.array([np.datetime64('2024-01-01'), 'x', None], dtype=object), allow_pickle=True)

from gensim.models import Word2Vec  # noqa: E402

w2v = Word2Vec(sentences=[['cat', 'sat'], ['dog', 'ran'], ['cat', 'dog']], vector_size=4, min_count=1, workers=1, seed=1, epochs=1)
w2v.save(path('gensim-word2vec.model'))

import statsmodels.api as sm  # noqa: E402

ols = sm.OLS(y.astype(float), sm.add_constant(X)).fit()
ols.save(path('statsmodels-ols.pickle'))

from skorch import NeuralNetClassifier  # noqa: E402


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(4, 2)

    def forward(self, x):
        return torch.softmax(self.lin(x), dim=-1)


Tiny.__module__ = 'tinymodels.mlp'  # pickled by reference to a project module, as real projects do
import tinymodels.mlp as tm  # noqa: E402

tm.Tiny = Tiny
skorch_net = NeuralNetClassifier(Tiny, max_epochs=1, lr=0.1, train_split=None, verbose=0).fit(X.astype(np.float32), y.astype(np.int64))
with open(path('skorch-classifier.pkl'), 'wb') as f:
    pickle.dump(skorch_net, f)

# --- stand-ins for libraries Debian does not package: transformers, lightgbm, catboost -----------------

STUBS = {
    'transformers/__init__.py': '',
    'transformers/trainer_utils.py': '''
import enum
class ExplicitEnum(str, enum.Enum):
    pass
class IntervalStrategy(ExplicitEnum):
    NO = "no"
    STEPS = "steps"
    EPOCH = "epoch"
class SchedulerType(ExplicitEnum):
    LINEAR = "linear"
    COSINE = "cosine"
class HubStrategy(ExplicitEnum):
    END = "end"
    EVERY_SAVE = "every_save"
''',
    'transformers/training_args.py': '''
import dataclasses
from .trainer_utils import IntervalStrategy, SchedulerType, HubStrategy
from .utils import OptimizerNames
@dataclasses.dataclass
class TrainingArguments:
    output_dir: str = "out"
    evaluation_strategy: IntervalStrategy = IntervalStrategy.STEPS
    lr_scheduler_type: SchedulerType = SchedulerType.LINEAR
    hub_strategy: HubStrategy = HubStrategy.EVERY_SAVE
    optim: OptimizerNames = OptimizerNames.ADAMW_TORCH
    learning_rate: float = 5e-5
    report_to: list = dataclasses.field(default_factory=lambda: ["tensorboard"])
    logging_dir: str = "out/runs/Jan01_00-00-00_host"
''',
    'transformers/utils/__init__.py': '''
import enum
class ExplicitEnum(str, enum.Enum):
    pass
class OptimizerNames(ExplicitEnum):
    ADAMW_HF = "adamw_hf"
    ADAMW_TORCH = "adamw_torch"
''',
    'transformers/trainer_callback.py': '''
import dataclasses
@dataclasses.dataclass
class TrainerState:
    epoch: float = None
    global_step: int = 0
    log_history: list = None
    best_model_checkpoint: str = None
''',
    'transformers/configuration_utils.py': '''
class PretrainedConfig:
    model_type = ""
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)
''',
    'transformers/models/__init__.py': '',
    'transformers/models/bert/__init__.py': '',
    'transformers/models/bert/configuration_bert.py': '''
from ...configuration_utils import PretrainedConfig
class BertConfig(PretrainedConfig):
    model_type = "bert"
''',
    'lightgbm/__init__.py': '',
    'lightgbm/basic.py': '''
class Booster:
    def __init__(self, model_str):
        self.model_str = model_str
        self.best_iteration = 2
    def __getstate__(self):
        return {"handle": self.model_str, "best_iteration": self.best_iteration, "pandas_categorical": None}
    def __setstate__(self, state):
        self.__dict__.update(state)
''',
    'lightgbm/sklearn.py': '''
from .basic import Booster
class LGBMClassifier:
    def __init__(self):
        self.n_estimators = 2
        self.objective = "binary"
        self._Booster = Booster("tree\\nversion=v3\\nnum_class=1\\n")
        self._classes = None
        self._n_features = 4
''',
    'catboost/__init__.py': '',
    'catboost/core.py': '''
class CatBoostClassifier:
    def __init__(self):
        self._init_params = {"iterations": 2, "depth": 2, "loss_function": "Logloss"}
    def __getstate__(self):
        return {"__model": b"CBM1" + bytes(32), "_init_params": self._init_params}
    def __setstate__(self, state):
        self.__dict__.update(state)
''',
}
stub_dir = tempfile.mkdtemp()
for rel, src in STUBS.items():
    p = os.path.join(stub_dir, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    open(p, 'w').write(textwrap.dedent(src))
sys.path.insert(0, stub_dir)
from transformers.models.bert.configuration_bert import BertConfig  # noqa: E402
from transformers.trainer_callback import TrainerState  # noqa: E402
from transformers.training_args import TrainingArguments  # noqa: E402

torch.save(TrainingArguments(), path('transformers-training-args.bin'))
torch.save({'state': TrainerState(epoch=1.0, global_step=3, log_history=[{'loss': 0.5, 'step': 3}]), 'config': BertConfig(hidden_size=8, num_attention_heads=2, architectures=['BertModel'])}, path('transformers-trainer-state.pt'))
from catboost.core import CatBoostClassifier  # noqa: E402
from lightgbm.sklearn import LGBMClassifier  # noqa: E402

joblib.dump(LGBMClassifier(), path('lightgbm-classifier.joblib'))
with open(path('catboost-classifier.pkl'), 'wb') as f:
    pickle.dump(CatBoostClassifier(), f, protocol=4)

# --- versions ------------------------------------------------------------------------------------------

import gensim  # noqa: E402
import lz4  # noqa: E402
import skorch  # noqa: E402
import statsmodels  # noqa: E402

versions = {
    'python': sys.version.split()[0], 'torch': torch.__version__, 'torchvision': torchvision.__version__, 'scikit-learn': sklearn.__version__,
    'joblib': joblib.__version__, 'numpy': np.__version__, 'pandas': pd.__version__, 'xgboost': xgboost.__version__, 'gensim': gensim.__version__,
    'statsmodels': statsmodels.__version__, 'skorch': skorch.__version__, 'lz4': lz4.__version__,
}
with open(os.path.join(out, 'VERSIONS.txt'), 'w') as f:
    f.write(', '.join(f'{k} {v}' for k, v in versions.items()) + '\n')
    f.write('generated by scripts/make-real-fixtures-benign.py (Debian bookworm packages; transformers, lightgbm and catboost objects from stand-in modules, see the script)\n')
    f.write('files: ' + ', '.join(sorted(written)) + '\n')
print('\n'.join(sorted(written)))
