#!/usr/bin/env python3
"""Generate the small, benign real-tool fixtures under test-fixtures/real/ (issue 3).

Every file is written by the reference implementation of its format, so that the scanners are
checked against what real tools emit (not only against our own builders):

  safetensors 0.8  -> tiny.safetensors                (safetensors.numpy.save_file)
  onnx 1.23        -> tiny.onnx, tiny-external.onnx + tiny-external.onnx.data
                      (onnx.helper + onnx.save_model(save_as_external_data=True))
  gguf 0.19        -> tiny-chat.gguf                  (gguf.GGUFWriter, llama.cpp's own writer)
  keras 3.15       -> tiny.keras (v3 zip), tiny.h5 (legacy HDF5)   (KERAS_BACKEND=tensorflow)
  tensorflow 2.21  -> saved_model.pb                  (tf.saved_model.save of a tiny tf.Module)

Usage (a virtualenv with the packages above; no network needed when a local wheel mirror exists):
  python3 -m venv /tmp/fxvenv
  /tmp/fxvenv/bin/pip install safetensors numpy scipy onnx gguf keras h5py tensorflow-cpu
  /tmp/fxvenv/bin/python scripts/make-real-fixtures-formats.py test-fixtures/real
  /tmp/fxvenv/bin/python scripts/make-real-fixtures-formats.py - --tf-ops src/model-scanners/tensorflow/tf-ops.ts

Deterministic where the tools allow it (fixed weights, no timestamps in metadata we control).
"""
import os
import shutil
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

OUT = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] != "-" else "test-fixtures/real"

# A real chat template (Llama 3 instruct, as published in meta-llama/Meta-Llama-3-8B-Instruct's
# tokenizer_config.json): the ordinary case that must pass clean.
LLAMA3_TEMPLATE = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}"
    "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
)


def safetensors_file():
    from safetensors.numpy import save_file

    rng = np.random.default_rng(7)
    tensors = {
        "embed.weight": rng.standard_normal((16, 8)).astype(np.float32),
        "layer0.weight": rng.standard_normal((8, 8)).astype(np.float16),
        "layer0.bias": np.zeros((8,), dtype=np.float16),
        "head.weight": rng.integers(-128, 127, size=(4, 8), dtype=np.int8),
        "step": np.array([3], dtype=np.int64),
        "mask": np.array([True, False, True], dtype=np.bool_),
    }
    save_file(tensors, os.path.join(OUT, "tiny.safetensors"), metadata={"format": "np", "producer": "bulwark-fixtures"})


def onnx_files():
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(11)
    w1 = numpy_helper.from_array(rng.standard_normal((4, 8)).astype(np.float32), "w1")
    b1 = numpy_helper.from_array(np.zeros((8,), np.float32), "b1")
    w2 = numpy_helper.from_array(rng.standard_normal((8, 2)).astype(np.float32), "w2")
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["h0"], name="mm1"),
        helper.make_node("Add", ["h0", "b1"], ["h1"], name="add1"),
        helper.make_node("Relu", ["h1"], ["h2"], name="relu1"),
        helper.make_node("MatMul", ["h2", "w2"], ["logits"], name="mm2"),
        helper.make_node("Softmax", ["logits"], ["y"], name="softmax", axis=-1),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])],
        initializer=[w1, b1, w2],
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)],
        producer_name="bulwark-fixtures",
        producer_version="1",
    )
    helper.set_model_props(model, {"purpose": "benign test fixture"})
    onnx.checker.check_model(model, full_check=True)
    onnx.save_model(model, os.path.join(OUT, "tiny.onnx"))

    # The same model with its initializers stored as external data next to it.
    ext = onnx.load_model(os.path.join(OUT, "tiny.onnx"))
    onnx.save_model(
        ext,
        os.path.join(OUT, "tiny-external.onnx"),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="tiny-external.onnx.data",
        size_threshold=0,
    )
    onnx.checker.check_model(os.path.join(OUT, "tiny-external.onnx"), full_check=True)


def gguf_file():
    import gguf

    path = os.path.join(OUT, "tiny-chat.gguf")
    w = gguf.GGUFWriter(path, "llama")
    w.add_name("bulwark tiny chat fixture")
    w.add_context_length(128)
    w.add_embedding_length(8)
    w.add_block_count(1)
    w.add_tokenizer_model("gpt2")
    w.add_token_list(["<|begin_of_text|>", "<|eot_id|>", "a", "b"])
    w.add_bos_token_id(0)
    w.add_eos_token_id(1)
    w.add_chat_template(LLAMA3_TEMPLATE)
    rng = np.random.default_rng(3)
    w.add_tensor("token_embd.weight", rng.standard_normal((4, 8)).astype(np.float32))
    w.add_tensor("output_norm.weight", np.ones((8,), np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def keras_files():
    import keras

    keras.utils.set_random_seed(5)
    inputs = keras.Input(shape=(4,), name="x")
    h = keras.layers.Dense(8, activation="relu", name="dense1")(inputs)
    h = keras.layers.Dropout(0.1, name="drop")(h)
    outputs = keras.layers.Dense(2, activation="softmax", name="head")(h)
    model = keras.Model(inputs, outputs, name="tiny_functional")
    model.save(os.path.join(OUT, "tiny.keras"))
    model.save(os.path.join(OUT, "tiny.h5"))  # legacy HDF5 (model_config attribute)


def savedmodel_files():
    import tensorflow as tf

    class Tiny(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(tf.ones((4, 2)), name="w")

        @tf.function(input_signature=[tf.TensorSpec((None, 4), tf.float32)])
        def __call__(self, x):
            return tf.nn.relu(tf.matmul(x, self.w))

    d = os.path.join(OUT, "saved_model.tmp")
    shutil.rmtree(d, ignore_errors=True)
    tf.saved_model.save(Tiny(), d)
    # Keep only saved_model.pb (the scanner reads nothing else).
    shutil.copyfile(os.path.join(d, "saved_model.pb"), os.path.join(OUT, "saved_model.pb"))
    shutil.rmtree(d, ignore_errors=True)


def main():
    os.makedirs(OUT, exist_ok=True)
    for step in (safetensors_file, onnx_files, gguf_file, keras_files, savedmodel_files):
        try:
            step()
            print("ok", step.__name__)
        except ImportError as e:  # a tool that is not installed: skip its fixtures, say so
            print("skipped", step.__name__, e)


def tf_op_list(path):
    """Write the registered TensorFlow op names (the 'standard set' the SavedModel scanner accepts)."""
    from tensorflow.core.framework import op_def_pb2
    from tensorflow.python.client import pywrap_tf_session as c_api
    import tensorflow as tf

    buf = c_api.TF_GetAllOpList()
    ops = op_def_pb2.OpList()
    ops.ParseFromString(c_api.TF_GetBuffer(buf))
    names = sorted(o.name for o in ops.op)
    lines = [
        "/**",
        f" * Op names registered by TensorFlow {tf.__version__} (generated by scripts/make-real-fixtures-formats.py --tf-ops).",
        " * A SavedModel node whose op is neither here nor a function of the graph needs a custom op library.",
        " */",
        "// prettier-ignore",
        "export const TF_OP_NAMES_TEXT =",
    ]
    chunk = []
    for n in names:
        chunk.append(n)
        if len(chunk) == 12:
            lines.append(f"  '{' '.join(chunk)} ' +")
            chunk = []
    lines.append(f"  '{' '.join(chunk)}';")
    lines.append(f"export const TF_OPS_VERSION = '{tf.__version__}';")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", path, len(names), "ops")


if len(sys.argv) > 2 and sys.argv[2] == "--tf-ops":
    tf_op_list(sys.argv[3] if len(sys.argv) > 3 else "src/model-scanners/tensorflow/tf-ops.ts")
else:
    main()
