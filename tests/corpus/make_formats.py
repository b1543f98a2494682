"""Generate the model-format corpus with the real upstream writers (run once; the files are
committed in tests/corpus/formats/, versions in tests/corpus/FORMATS.md).

    python3 -m venv /work/tools/fmt-venv
    /work/tools/fmt-venv/bin/pip install numpy onnx keras jax scipy h5py huggingface_hub safetensors
    KERAS_BACKEND=jax /work/tools/fmt-venv/bin/python tests/corpus/make_formats.py

Nothing here is a dependency of ReviewStation: the inspectors never import these libraries.
Every file is a few KB. Malicious files are written by the same writers (``np.save`` of an
object array, a Keras ``Lambda`` layer, an ONNX model whose tensors point outside its folder);
nothing in them is ever run, here or in the tests.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # type: ignore[import-not-found]

OUT = Path(__file__).resolve().parent / "formats"


class Reduce:
    """Pickled as ``func(*args)``; pickling never calls it."""

    def __init__(self, func: object, *args: object) -> None:
        self.func, self.args = func, args

    def __reduce__(self) -> tuple[object, ...]:
        return (self.func, self.args)


# -- NumPy --------------------------------------------------------------------------------


def numpy_files() -> None:
    np.save(OUT / "npy_f32.npy", np.arange(6, dtype="<f4").reshape(2, 3))
    np.save(OUT / "npy_fortran_i2.npy", np.asfortranarray(np.arange(6, dtype=">i2").reshape(3, 2)))
    structured = np.zeros(3, dtype=[("a", "<i4"), ("b", "<f8", (2,))])
    np.save(OUT / "npy_structured.npy", structured)
    np.save(OUT / "npy_unicode.npy", np.array(["ab", "cdefg"], dtype="<U5"))
    np.save(OUT / "npy_scalar_bool.npy", np.array(True))
    with open(OUT / "npy_v2.npy", "wb") as f:
        np.lib.format.write_array(f, np.ones((2, 2), dtype="<u8"), version=(2, 0))
    evil = np.empty(2, dtype=object)
    evil[0], evil[1] = 1, Reduce(os.system, "id")
    np.save(OUT / "npy_object_os_system.npy", evil, allow_pickle=True)
    np.savez(OUT / "npz_plain.npz", weights=np.arange(4, dtype="<f8"), mask=np.zeros((2, 2), "?"))
    np.savez_compressed(OUT / "npz_compressed.npz", a=np.arange(10, dtype="<i8"))
    np.savez(OUT / "npz_object_member.npz", ok=np.arange(3), evil=evil)


# -- ONNX ---------------------------------------------------------------------------------


def onnx_files() -> None:
    import onnx  # type: ignore[import-not-found]
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.ones((4, 3), dtype=np.float32), "W")
    b = numpy_helper.from_array(np.zeros(3, dtype=np.float32), "b")
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "W"], ["xw"], name="matmul"),
            helper.make_node("Add", ["xw", "b"], ["xwb"], name="add"),
            helper.make_node("Relu", ["xwb"], ["y"], name="relu"),
        ],
        "tiny_mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])],
        [w, b],
    )
    model = helper.make_model(
        graph, producer_name="reviewstation-corpus", opset_imports=[helper.make_opsetid("", 17)]
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save_model(model, OUT / "onnx_mlp.onnx")

    # The same model with its tensors in a file beside it (the writer's own external data).
    external = onnx.load_model(OUT / "onnx_mlp.onnx")
    onnx.save_model(
        external,
        OUT / "onnx_external.onnx",
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="onnx_external.data",
        size_threshold=0,
    )

    # Tensors whose external data points outside the model's folder.
    hostile = onnx.load_model(OUT / "onnx_mlp.onnx", load_external_data=False)
    escapes = ["../../secret.bin", "/etc/passwd", "sub/../../outside.bin", "C:\\Windows\\x.bin"]
    for index, location in enumerate(escapes):
        tensor = numpy_helper.from_array(np.zeros(2, dtype=np.float32), f"t{index}")
        onnx.external_data_helper.set_external_data(tensor, location=location, offset=0, length=8)
        tensor.data_location = TensorProto.EXTERNAL
        tensor.ClearField("raw_data")
        hostile.graph.initializer.append(tensor)
    onnx.save_model(hostile, OUT / "onnx_external_escape.onnx")

    # A custom-domain op, and an If whose branches hold nodes of their own.
    then_graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["t"])],
        "then",
        [],
        [helper.make_tensor_value_info("t", TensorProto.FLOAT, [1])],
    )
    else_graph = helper.make_graph(
        [helper.make_node("Neg", ["x"], ["e"])],
        "else",
        [],
        [helper.make_tensor_value_info("e", TensorProto.FLOAT, [1])],
    )
    custom = helper.make_graph(
        [
            helper.make_node("RunShell", ["x"], ["c"], domain="com.example.evil"),
            helper.make_node("If", ["cond"], ["z"], then_branch=then_graph, else_branch=else_graph),
        ],
        "custom",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, [1]),
            helper.make_tensor_value_info("cond", TensorProto.BOOL, []),
        ],
        [
            helper.make_tensor_value_info("c", TensorProto.FLOAT, [1]),
            helper.make_tensor_value_info("z", TensorProto.FLOAT, [1]),
        ],
    )
    model = helper.make_model(
        custom,
        producer_name="reviewstation-corpus",
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.example.evil", 1)],
    )
    model.ir_version = 8
    onnx.save_model(model, OUT / "onnx_custom_domain.onnx")

    # A model-local function (com.local::Double, defined by standard ops) and a custom op
    # used only inside a function body.
    double = helper.make_function(
        "com.local",
        "Double",
        ["a"],
        ["b"],
        [
            helper.make_node("Add", ["a", "a"], ["s"]),
            helper.make_node("Beacon", ["s"], ["b"], domain="com.example.hidden"),
        ],
        [helper.make_opsetid("", 17), helper.make_opsetid("com.example.hidden", 1)],
    )
    graph = helper.make_graph(
        [helper.make_node("Double", ["x"], ["y"], domain="com.local")],
        "uses_function",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])],
    )
    model = helper.make_model(
        graph,
        producer_name="reviewstation-corpus",
        opset_imports=[
            helper.make_opsetid("", 17),
            helper.make_opsetid("com.local", 1),
            helper.make_opsetid("com.example.hidden", 1),
        ],
        functions=[double],
    )
    model.ir_version = 8
    onnx.save_model(model, OUT / "onnx_function.onnx")


# -- Keras --------------------------------------------------------------------------------


def keras_files() -> None:
    import keras  # type: ignore[import-not-found]

    benign = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(1)],
        name="tiny",
    )
    benign.save(OUT / "keras_dense.keras")

    lam = keras.Sequential(
        [keras.Input((4,)), keras.layers.Lambda(lambda x: x * 2), keras.layers.Dense(1)],
        name="with_lambda",
    )
    lam.save(OUT / "keras_lambda.keras")
    lam.save(OUT / "keras_lambda_legacy.h5")

    @keras.saving.register_keras_serializable(package="outside")
    class Scale(keras.layers.Layer):  # type: ignore[misc]
        def call(self, x: object) -> object:
            return x

    custom = keras.Sequential([keras.Input((4,)), Scale(), keras.layers.Dense(1)], name="custom")
    custom.save(OUT / "keras_custom_object.keras")


# -- sharded checkpoints ------------------------------------------------------------------


def sharded_files() -> None:
    from huggingface_hub import split_state_dict_into_shards_factory  # type: ignore[import-not-found]
    from safetensors.numpy import save_file  # type: ignore[import-not-found]

    state = {f"layer{i}.weight": np.full((8, 8), i, dtype=np.float32) for i in range(4)}
    folder = OUT / "sharded"
    folder.mkdir(exist_ok=True)
    split = split_state_dict_into_shards_factory(
        state,
        get_storage_size=lambda t: t.nbytes,
        filename_pattern="model{suffix}.safetensors",
        max_shard_size=600,
    )
    for filename, names in split.filename_to_tensors.items():
        save_file({n: state[n] for n in names}, folder / filename)
    index = {"metadata": split.metadata, "weight_map": split.tensor_to_filename}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index, indent=2))


# -- what the upstream readers say (the tests compare the inspectors' summaries with it) -----


def expected() -> dict[str, dict[str, object]]:
    import collections

    import onnx
    from onnx import TensorProto

    out: dict[str, dict[str, object]] = {}
    for path in sorted(OUT.glob("*.npy")):
        with open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            read = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran, dtype = read(f)
        if dtype.hasobject:
            continue
        text = dtype.str if dtype.names is None else f"structured ({len(dtype.descr)} fields)"
        out[path.name] = {"dtype": text, "shape": list(shape), "fortran_order": fortran}
    for path in sorted(OUT.glob("*.npz")):
        with np.load(path, allow_pickle=False) as archive:
            try:
                out[path.name] = {
                    "arrays": [
                        {"name": k, "dtype": archive[k].dtype.str, "shape": list(archive[k].shape)}
                        for k in archive.files
                    ]
                }
            except ValueError:  # an object array: allow_pickle=False refuses it
                continue

    def ops(graph: onnx.GraphProto, counts: collections.Counter[str]) -> int:
        total = 0
        for node in graph.node:
            total += 1
            domain = node.domain if node.domain not in ("", "ai.onnx") else ""
            counts[f"{domain}::{node.op_type}" if domain else node.op_type] += 1
            for attribute in node.attribute:
                subgraphs = [attribute.g] if attribute.HasField("g") else []
                for sub in [*subgraphs, *attribute.graphs]:
                    total += ops(sub, counts)
        return total

    def value(info: onnx.ValueInfoProto) -> dict[str, object]:
        tensor = info.type.tensor_type
        dims = [d.dim_param if d.HasField("dim_param") else d.dim_value for d in tensor.shape.dim]
        return {
            "name": info.name,
            "type": TensorProto.DataType.Name(tensor.elem_type),
            "shape": dims,
        }

    for path in sorted(OUT.glob("*.onnx")):
        model = onnx.load(path, load_external_data=False)
        counts: collections.Counter[str] = collections.Counter()
        total = ops(model.graph, counts)
        out[path.name] = {
            "ir_version": model.ir_version,
            "producer": model.producer_name,
            "opsets": {o.domain: o.version for o in model.opset_import},
            "graph_name": model.graph.name,
            "nodes": len(model.graph.node),
            "nodes_total": total,
            "op_types": dict(counts),
            "inputs": [value(i) for i in model.graph.input],
            "outputs": [value(o) for o in model.graph.output],
            "initializers": len(model.graph.initializer),
            "functions": [f"{f.domain}::{f.name}" for f in model.functions],
            "external_locations": sorted(
                {
                    e.value
                    for t in model.graph.initializer
                    for e in t.external_data
                    if e.key == "location"
                }
            ),
        }
    for path in sorted(OUT.glob("*.keras")):
        import zipfile

        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
            metadata = json.loads(archive.read("metadata.json"))
        out[path.name] = {
            "keras_version": metadata["keras_version"],
            "model_class": config["class_name"],
            "model_name": config["config"]["name"],
            "layers": len(config["config"]["layers"]),
            "layer_classes": [layer["class_name"] for layer in config["config"]["layers"]],
        }
    index = json.loads((OUT / "sharded" / "model.safetensors.index.json").read_text())
    out["sharded/model.safetensors.index.json"] = {
        "total_size": index["metadata"]["total_size"],
        "shards": dict(collections.Counter(index["weight_map"].values())),
    }
    return out


def versions() -> str:
    import importlib.metadata as md

    names = ("numpy", "onnx", "protobuf", "keras", "jax", "h5py", "huggingface_hub", "safetensors")
    lines = [f"- python {sys.version.split()[0]}"]
    lines += [f"- {n} {md.version(n)}" for n in names]
    return "\n".join(lines)


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    numpy_files()
    onnx_files()
    keras_files()
    sharded_files()
    (OUT.parent / "formats-expected.json").write_text(json.dumps(expected(), indent=1) + "\n")
    print(versions())
