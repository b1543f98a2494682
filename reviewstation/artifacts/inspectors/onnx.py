"""ONNX models (``.onnx``): a protobuf ``ModelProto``, read field by field from the wire.

No protobuf library is used: a minimal reader walks the wire format (varints, fixed-width
numbers, length-delimited fields) through a small buffer over the stream, and reads only the
fields a summary needs: IR version, opsets, producer, the graph's name, its nodes (an op-type
histogram, subgraphs of ``If``/``Loop``/``Scan`` included), inputs and outputs with their
shapes, and initializers (count, bytes). Tensor payloads are skipped by offset, never read.

A tensor whose data lives outside the model (``data_location: EXTERNAL``) names a file by a
``location`` path, which ``onnx.load`` opens relative to the model's folder. Locations that
are absolute, use ``..``, escape the folder or hold control characters are problems
(``trusted: false``): loading such a model reads a file the sender chose from the reviewer's
disk. Whether the named files were taken in beside the model is checked against the vault
(``reviewstation.artifacts.references``). Ops from a custom domain need code from outside the
model (a custom-op library) to run: named in a warning.

Work is bounded (``MAX_FIELDS`` fields, ``MAX_DEPTH`` nested graphs); a model cut short or
over a bound says what was not read.
"""

from __future__ import annotations

import struct
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from reviewstation.artifacts.inspectors.common import clip, path_problem, printable
from reviewstation.errors import InputError

BLOCK = 64 * 1024
MAX_FIELDS = 5_000_000  # protobuf fields walked in one model
MAX_DEPTH = 16  # graphs inside node attributes inside graphs
MAX_STRING = 4096  # bytes of a name or producer read
MAX_LISTED = 200  # inputs, outputs, external tensors listed
MAX_DIMS = 64
# TensorProto.DataType: (name, bits per element); STRING has no fixed size.
DATA_TYPES: dict[int, tuple[str, int | None]] = {
    0: ("UNDEFINED", None),
    1: ("FLOAT", 32),
    2: ("UINT8", 8),
    3: ("INT8", 8),
    4: ("UINT16", 16),
    5: ("INT16", 16),
    6: ("INT32", 32),
    7: ("INT64", 64),
    8: ("STRING", None),
    9: ("BOOL", 8),
    10: ("FLOAT16", 16),
    11: ("DOUBLE", 64),
    12: ("UINT32", 32),
    13: ("UINT64", 64),
    14: ("COMPLEX64", 64),
    15: ("COMPLEX128", 128),
    16: ("BFLOAT16", 16),
    17: ("FLOAT8E4M3FN", 8),
    18: ("FLOAT8E4M3FNUZ", 8),
    19: ("FLOAT8E5M2", 8),
    20: ("FLOAT8E5M2FNUZ", 8),
    21: ("UINT4", 4),
    22: ("INT4", 4),
    23: ("FLOAT4E2M1", 4),
    24: ("FLOAT8E8M0", 8),
    25: ("UINT2", 2),
    26: ("INT2", 2),
}
STANDARD_DOMAINS = ("", "ai.onnx", "ai.onnx.ml", "ai.onnx.training", "ai.onnx.preview.training")


class _OverBudget(Exception):
    pass


class Wire:
    """Protobuf fields of ``stream[0:size]``, read through a 64 KiB buffer."""

    def __init__(self, stream: BinaryIO, size: int) -> None:
        self._stream, self.size = stream, size
        self._start, self._buf = 0, b""
        self.fields = 0

    def get(self, pos: int, count: int) -> bytes:
        if pos < 0 or count < 0 or pos + count > self.size:
            raise InputError("The ONNX model is cut short (a field runs past the end).")
        rel = pos - self._start
        if rel >= 0 and rel + count <= len(self._buf):
            return self._buf[rel : rel + count]
        self._stream.seek(pos)
        want = max(count, min(BLOCK, self.size - pos))
        data = self._stream.read(want) or b""
        if len(data) < count:
            raise InputError("The ONNX model is cut short (a field runs past the end).")
        self._start, self._buf = pos, data
        return data[:count]

    def varint(self, pos: int, end: int) -> tuple[int, int]:
        rel = pos - self._start
        if 0 <= rel < len(self._buf) and pos < end and self._buf[rel] < 0x80:
            return self._buf[rel], pos + 1  # one byte: most keys, lengths and small numbers
        chunk = self.get(pos, min(10, end - pos))
        value = 0
        for index, byte in enumerate(chunk):
            value |= (byte & 0x7F) << (7 * index)
            if not byte & 0x80:
                return value, pos + index + 1
        raise InputError("The ONNX model has a malformed number (varint).")

    def message(self, start: int, end: int) -> Any:
        """(field number, wire type, value) of each field; a length-delimited value is
        (offset, length), never read here."""
        pos = start
        while pos < end:
            self.fields += 1
            if self.fields > MAX_FIELDS:
                raise _OverBudget
            key, pos = self.varint(pos, end)
            number, kind = key >> 3, key & 7
            if number == 0:
                raise InputError("The ONNX model has a field numbered 0 (not protobuf).")
            if kind == 0:
                value, pos = self.varint(pos, end)
                yield number, kind, value
            elif kind == 1:
                (value,) = struct.unpack("<Q", self.get(pos, 8))
                pos += 8
                yield number, kind, value
            elif kind == 5:
                (value,) = struct.unpack("<I", self.get(pos, 4))
                pos += 4
                yield number, kind, value
            elif kind == 2:
                length, pos = self.varint(pos, end)
                if pos + length > end:
                    raise InputError("The ONNX model is cut short (a field runs past the end).")
                yield number, kind, (pos, length)
                pos += length
            else:
                raise InputError(f"The ONNX model uses protobuf wire type {kind}, not ONNX.")
        if pos != end:
            raise InputError("The ONNX model is cut short (a message runs past its bounds).")

    def text(self, span: tuple[int, int]) -> str:
        start, length = span
        data = self.get(start, min(length, MAX_STRING))
        return printable(data, MAX_STRING) + ("…" if length > MAX_STRING else "")

    def ints(self, kind: int, value: Any) -> list[int]:
        """A repeated int64 field: one value, or a packed run."""
        if kind == 0:
            return [_signed(value)]
        if kind != 2:
            return []
        start, length = value
        out: list[int] = []
        pos = start
        while pos < start + length and len(out) <= MAX_DIMS:
            number, pos = self.varint(pos, start + length)
            out.append(_signed(number))
        return out


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


@dataclass
class Model:
    ir_version: int | None = None
    producer: str = ""
    producer_version: str = ""
    domain: str = ""
    model_version: int | None = None
    graph_name: str | None = None
    opsets: dict[str, int] = field(default_factory=dict)
    ops: Counter[str] = field(default_factory=Counter)
    custom_ops: Counter[str] = field(default_factory=Counter)
    nodes: int = 0  # in the main graph
    nodes_total: int = 0  # subgraphs included
    graphs: int = 0
    inputs: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    initializers: int = 0
    initializer_bytes: int = 0
    external: list[dict[str, Any]] = field(default_factory=list)
    external_count: int = 0
    functions: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    not_read: list[str] = field(default_factory=list)


def inspect(stream: BinaryIO, size: int) -> dict[str, Any]:
    wire = Wire(stream, size)
    model = Model()
    try:
        _model(wire, model)
    except _OverBudget:
        model.not_read.append(f"everything after the first {MAX_FIELDS:,} protobuf fields")
    if model.graph_name is None and model.ir_version is None:
        raise InputError("The file is not an ONNX model (no IR version and no graph).")
    return _summary(model)


def _model(wire: Wire, model: Model) -> None:
    for number, kind, value in wire.message(0, wire.size):
        if number == 1 and kind == 0:
            model.ir_version = _signed(value)
        elif number == 2 and kind == 2:
            model.producer = wire.text(value)
        elif number == 3 and kind == 2:
            model.producer_version = wire.text(value)
        elif number == 4 and kind == 2:
            model.domain = wire.text(value)
        elif number == 5 and kind == 0:
            model.model_version = _signed(value)
        elif number == 7 and kind == 2:
            _graph(wire, model, value, 0, main=True)
        elif number == 8 and kind == 2:
            domain, version = "", 0
            for n, k, v in wire.message(value[0], value[0] + value[1]):
                if n == 1 and k == 2:
                    domain = wire.text(v)
                elif n == 2 and k == 0:
                    version = _signed(v)
            if len(model.opsets) < MAX_LISTED:
                model.opsets[domain] = version
        elif number == 14 and kind == 2:
            key, text = _entry(wire, value)
            if len(model.metadata) < MAX_LISTED:
                model.metadata[key] = text
        elif number == 20 and kind == 2:  # TrainingInfoProto: initialization, algorithm
            for n, k, v in wire.message(value[0], value[0] + value[1]):
                if n in (1, 2) and k == 2:
                    _graph(wire, model, v, 1, main=False, counted=False)
        elif number == 25 and kind == 2:
            _function(wire, model, value)


def _entry(wire: Wire, span: tuple[int, int]) -> tuple[str, str]:
    key = text = ""
    for n, k, v in wire.message(span[0], span[0] + span[1]):
        if n == 1 and k == 2:
            key = wire.text(v)
        elif n == 2 and k == 2:
            text = wire.text(v)
    return key, text


def _function(wire: Wire, model: Model, span: tuple[int, int]) -> None:
    """A model-local function: its name, and the ops its body uses (custom ones named; the
    op histogram counts the graphs only)."""
    name = domain = ""
    for n, k, v in wire.message(span[0], span[0] + span[1]):
        if n == 1 and k == 2:
            name = wire.text(v)
        elif n == 10 and k == 2:
            domain = wire.text(v)
        elif n == 7 and k == 2:
            _node(wire, model, v, 1, counted=False)
    if len(model.functions) < MAX_LISTED:
        model.functions.append(f"{domain}::{name}" if domain else name)


def _graph(
    wire: Wire,
    model: Model,
    span: tuple[int, int],
    depth: int,
    *,
    main: bool,
    counted: bool = True,
) -> None:
    """A graph's nodes (``counted``: in the op histogram; training graphs are not), its
    tensors and, for the main graph, its name, inputs and outputs."""
    if depth >= MAX_DEPTH:
        model.not_read.append(f"graphs nested deeper than {MAX_DEPTH} levels")
        return
    model.graphs += 1
    for number, kind, value in wire.message(span[0], span[0] + span[1]):
        if kind != 2:
            continue
        if number == 1:
            if counted:
                model.nodes_total += 1
                model.nodes += main
            _node(wire, model, value, depth, counted=counted)
        elif number == 2 and main:
            model.graph_name = wire.text(value)
        elif number == 5:
            _tensor(wire, model, value, initializer=True)
        elif number == 15:  # SparseTensorProto: values (1) and indices (2) are tensors
            for n, k, v in wire.message(value[0], value[0] + value[1]):
                if n in (1, 2) and k == 2:
                    _tensor(wire, model, v, initializer=n == 1)
        elif number in (11, 12) and main:
            listed = model.inputs if number == 11 else model.outputs
            if len(listed) < MAX_LISTED:
                listed.append(_value_info(wire, value))


def _node(
    wire: Wire, model: Model, span: tuple[int, int], depth: int, *, counted: bool = True
) -> None:
    op, domain = "", ""
    for number, kind, value in wire.message(span[0], span[0] + span[1]):
        if kind != 2:
            continue
        if number == 4:
            op = wire.text(value)
        elif number == 7:
            domain = wire.text(value)
        elif number == 5:
            _attribute(wire, model, value, depth, counted)
    name = f"{domain}::{op}" if domain and domain != "ai.onnx" else op
    if counted:
        model.ops[name[:200]] += 1
    if domain not in STANDARD_DOMAINS:
        model.custom_ops[name[:200]] += 1


def _attribute(wire: Wire, model: Model, span: tuple[int, int], depth: int, counted: bool) -> None:
    for number, kind, value in wire.message(span[0], span[0] + span[1]):
        if kind != 2:
            continue
        if number in (6, 11):  # g, graphs
            _graph(wire, model, value, depth + 1, main=False, counted=counted)
        elif number in (5, 10):  # t, tensors (a Constant's value may be external too)
            _tensor(wire, model, value, initializer=False)
        elif number in (22, 23):  # sparse_tensor(s)
            for n, k, v in wire.message(value[0], value[0] + value[1]):
                if n in (1, 2) and k == 2:
                    _tensor(wire, model, v, initializer=False)


def _tensor(wire: Wire, model: Model, span: tuple[int, int], *, initializer: bool) -> None:
    dims: list[int] = []
    data_type, name, location_kind = 0, "", 0
    external: dict[str, str] = {}
    for number, kind, value in wire.message(span[0], span[0] + span[1]):
        if number == 1 and len(dims) <= MAX_DIMS:
            dims.extend(wire.ints(kind, value))
        elif number == 2 and kind == 0:
            data_type = value
        elif number == 8 and kind == 2:
            name = wire.text(value)
        elif number == 13 and kind == 2:
            key, text = _entry(wire, value)
            external[key] = text
        elif number == 14 and kind == 0:
            location_kind = value
    if initializer:
        model.initializers += 1
        bits = DATA_TYPES.get(data_type, ("", None))[1]
        if len(dims) > MAX_DIMS and len(model.problems) < MAX_LISTED:
            model.problems.append(f"tensor {name[:100]!r} has more than {MAX_DIMS} dimensions")
        elif bits is not None and all(d >= 0 for d in dims):
            count = 1
            for d in dims:
                count *= d
            model.initializer_bytes += (count * bits + 7) // 8
    if location_kind == 1 or external:
        model.external_count += 1
        location = external.get("location")
        entry: dict[str, Any] = {"tensor": name[:200], "location": (location or "")[:400]}
        for key in ("offset", "length"):
            if key in external:
                entry[key] = external[key][:40]
        why = path_problem(location, "the model")
        if location_kind != 1:
            why = why or "has external-data entries but is not marked EXTERNAL"
        if why:
            entry["problem"] = why
            if len(model.problems) < MAX_LISTED:
                model.problems.append(f"tensor {name[:100]!r}: external data {why}")
        if len(model.external) < MAX_LISTED:
            model.external.append(entry)


def _value_info(wire: Wire, span: tuple[int, int]) -> dict[str, Any]:
    info: dict[str, Any] = {"name": ""}
    for number, kind, value in wire.message(span[0], span[0] + span[1]):
        if number == 1 and kind == 2:
            info["name"] = wire.text(value)[:200]
        elif number == 2 and kind == 2:
            info.update(_type(wire, value))
    return info


def _type(wire: Wire, span: tuple[int, int]) -> dict[str, Any]:
    kinds = {4: "sequence", 5: "map", 8: "sparse tensor", 9: "optional", 10: "opaque"}
    for number, kind, value in wire.message(span[0], span[0] + span[1]):
        if kind != 2:
            continue
        if number == 1:
            return _tensor_type(wire, value)
        if number in kinds:
            return {"type": kinds[number]}
    return {"type": "?"}


def _tensor_type(wire: Wire, span: tuple[int, int]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "?"}
    for number, kind, value in wire.message(span[0], span[0] + span[1]):
        if number == 1 and kind == 0:
            out["type"] = DATA_TYPES.get(value, (str(value), None))[0]
        elif number == 2 and kind == 2:
            shape: list[int | str] = []
            for n, k, v in wire.message(value[0], value[0] + value[1]):
                if n != 1 or k != 2:
                    continue
                dim: int | str = "?"
                for dn, dk, dv in wire.message(v[0], v[0] + v[1]):
                    if dn == 1 and dk == 0:
                        dim = _signed(dv)
                    elif dn == 2 and dk == 2:
                        dim = wire.text(dv)[:80]
                if len(shape) < MAX_DIMS:
                    shape.append(dim)
            out["shape"] = shape
    return out


def _summary(model: Model) -> dict[str, Any]:
    warnings = [
        "ONNX model: a computation graph run by an ONNX runtime. Nothing was loaded or run."
    ]
    local = sorted(op for op in model.custom_ops if op in model.functions)
    outside = sorted(op for op in model.custom_ops if op not in model.functions)
    if outside:
        warnings.append(
            f"CUSTOM OPS: {', '.join(outside[:20])}. Ops outside the standard ONNX domains need"
            " code from outside the model (a custom-op library) to run; find out what provides"
            " them."
        )
    if local:
        warnings.append(f"Ops defined by functions inside the model: {', '.join(local[:20])}.")
    if model.problems:
        warnings.append(
            "EXTERNAL DATA OUTSIDE THE MODEL'S FOLDER: loading this model would read files the"
            " sender chose (see problems)."
        )
    if model.not_read:
        warnings.append("NOT FULLY READ: " + "; ".join(model.not_read[:5]) + ".")
    producer = " ".join(p for p in (model.producer, model.producer_version) if p)
    return {
        "format": "onnx",
        "kind": "weights",
        "trusted": not model.problems and not model.not_read,
        "ir_version": model.ir_version,
        "producer": producer or None,
        "domain": model.domain or None,
        "model_version": model.model_version,
        "opsets": clip(model.opsets),
        "graph_name": model.graph_name,
        "nodes": model.nodes,
        "nodes_total": model.nodes_total,
        "op_types": clip(dict(model.ops.most_common())),
        "custom_ops": clip(dict(model.custom_ops.most_common())),
        "inputs": clip(model.inputs),
        "outputs": clip(model.outputs),
        "initializers": model.initializers,
        "initializer_bytes": model.initializer_bytes,
        "external_tensors": model.external_count,
        "external_data": clip(model.external),
        "external_files": sorted(
            {e["location"] for e in model.external if "problem" not in e and e["location"]}
        )[:MAX_LISTED],
        "functions": clip(model.functions),
        "metadata": clip(model.metadata),
        "problems": model.problems[:MAX_LISTED] + model.not_read[:10],
        "warnings": warnings,
    }
