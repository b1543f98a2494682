"""Keras models: Keras 3 ``.keras`` archives and legacy HDF5 (``.h5``) files.

A ``.keras`` file is a ZIP of ``config.json`` (the model as nested ``{"module",
"class_name", "config", "registered_name"}`` objects), ``metadata.json`` and
``model.weights.h5``. The config is read as JSON (bounded) and walked:

- ``Lambda`` layers, and any function stored as ``__lambda__`` (marshalled Python bytecode
  that ``load_model(safe_mode=False)`` runs; the default ``safe_mode=True`` refuses it);
- custom objects: a ``module`` outside ``keras`` or a ``registered_name`` of another package,
  which loading imports and calls;
- ``TFSMLayer`` (loads a TensorFlow SavedModel from a path in the config).

Any of these makes the summary CAN-RUN-CODE with the layer and callable named. Every member
is also sniffed for pickles by the archive scan (``containers``); an archive with any is
reported as a pickle container, its Keras findings among the warnings.

Legacy HDF5 files keep the same config as a JSON string attribute (``model_config``). There
is no HDF5 reader here: the file is searched, in bounded chunks, for that JSON text (stored
uncompressed by h5py), which is then read as above. When none is found, the file is reported
NOT INSPECTED, loudly: absence of the text is not proof of a safe model.
"""

from __future__ import annotations

import contextlib
import json
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from reviewstation import ziparchive
from reviewstation.artifacts.inspectors.common import clip, loader_json
from reviewstation.errors import InputError

MAX_CONFIG = 64 * 1024 * 1024
MAX_NODES = 1_000_000  # JSON objects walked in one config
MAX_DEPTH = 64
MAX_LISTED = 200
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
H5_CHUNK = 4 * 1024 * 1024
H5_SCAN = 4 * 1024 * 1024 * 1024  # bytes of an HDF5 file searched for the config
H5_CONFIGS = 4  # JSON configs read from one HDF5 file
H5_TRIES = 16  # places where a config seems to start, tried
H5_CONFIG = 16 * 1024 * 1024  # bytes of one config in an HDF5 file
# Keras's own functions that published exploits call from a config (CVE-2025-1550,
# CVE-2025-8747): named whatever module path they are reached by.
KERAS_GADGETS = {
    "enable_unsafe_deserialization": "turns safe_mode off for the rest of the load",
    "get_file": "downloads a file",
    "load_model": "loads another model",
}
# Where the functions an honest config references live (a layer's activation, a loss): any
# other function a config names is one loading looks up and calls, so it is flagged
# (allow-list first: the gadget names above only say what a known one does).
DATA_FUNCTIONS = tuple(
    f"keras.{src}{area}"
    for src in ("", "src.")
    for area in (
        "activations",
        "losses",
        "metrics",
        "initializers",
        "regularizers",
        "constraints",
        "ops",
    )
)
_CONFIG_START = b'{"class_name": '


@dataclass
class Findings:
    classes: Counter[str] = field(default_factory=Counter)
    layers: int = 0
    lambdas: list[str] = field(default_factory=list)
    custom: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)  # config text no search can read
    walked: int = 0
    cut: bool = False
    unread: str | None = None  # why a config that is there could not be read

    @property
    def runs_code(self) -> bool:
        return bool(self.lambdas or self.custom or self.external or self.hidden)


def _keras_module(module: Any) -> bool:
    return module is None or module == "keras" or str(module).startswith("keras.")


def walk(config: Any, found: Findings) -> None:
    """Every object of a Keras config (iteratively, bounded)."""
    stack: list[tuple[Any, int, str, str]] = [(config, 0, "", "")]
    while stack:
        node, depth, where, parent = stack.pop()
        found.walked += 1
        if found.walked > MAX_NODES or depth > MAX_DEPTH:
            found.cut = True
            return
        if isinstance(node, list):
            stack.extend((item, depth + 1, where, parent) for item in reversed(node))
            continue
        if not isinstance(node, dict):
            continue
        cls = node.get("class_name")
        inner = node.get("config")
        name = inner.get("name") if isinstance(inner, dict) else None
        here = f"{where}/{name}" if isinstance(name, str) else where
        if isinstance(cls, str):
            _object(node, cls, here or "(model)", parent, found)
            parent = cls
        layers = inner.get("layers") if isinstance(inner, dict) else None
        if isinstance(layers, list):
            found.layers += sum(1 for item in layers if isinstance(item, dict))
        stack.extend((value, depth + 1, here, parent) for value in reversed(list(node.values())))


def _object(node: dict[str, Any], cls: str, where: str, parent: str, found: Findings) -> None:
    found.classes[cls[:200]] += 1
    module, registered = node.get("module"), node.get("registered_name")
    inner = node.get("config")
    if cls == "Lambda":
        function = inner.get("function") if isinstance(inner, dict) else None
        how = _function_kind(function)
        _add(found.lambdas, f"Lambda layer {where[:200]!r}: {how}")
    elif cls == "__lambda__" and parent != "Lambda":  # a Lambda's own is listed with it
        _add(found.lambdas, f"{where[:200]!r}: a function stored as Python bytecode")
    elif cls == "TFSMLayer":
        path = inner.get("filepath") if isinstance(inner, dict) else None
        _add(found.external, f"TFSMLayer {where[:200]!r} loads a SavedModel from {path!r:.200}")
    if cls == "function" and isinstance(inner, str) and inner in KERAS_GADGETS:
        _add(
            found.custom,
            f"{str(module)[:200]}.{inner} (at {where[:200]!r}): {KERAS_GADGETS[inner]}",
        )
    elif cls == "function" and _keras_module(module) and not _data_function(module):
        _add(
            found.custom,
            f"{str(module)[:200]}.{str(inner)[:200]} (at {where[:200]!r}): a Keras function"
            " outside activations, losses, metrics, initializers, regularizers, constraints"
            " and ops, which loading looks up and calls",
        )
    if not _keras_module(module):
        _add(found.custom, f"{str(module)[:200]}.{cls[:200]} (at {where[:200]!r})")
    elif isinstance(registered, str) and ">" in registered and not registered.startswith("keras"):
        _add(found.custom, f"registered object {registered[:200]!r} (at {where[:200]!r})")


def _data_function(module: Any) -> bool:
    return isinstance(module, str) and any(
        module == area or module.startswith(area + ".") for area in DATA_FUNCTIONS
    )


def _function_kind(function: Any) -> str:
    if isinstance(function, dict) and function.get("class_name") == "__lambda__":
        return "Python bytecode that loading with safe_mode=False runs"
    if isinstance(function, dict):
        module = function.get("module")
        name = function.get("config", function.get("class_name"))
        return f"calls {str(module)[:100]}.{str(name)[:100]}"
    if isinstance(function, str):
        return f"calls {function[:200]!r}"
    return "a function of unknown form"


def _add(listed: list[str], text: str) -> None:
    if len(listed) < MAX_LISTED:
        listed.append(text)


def looks_like_keras(names: list[str], ext: str) -> bool:
    return "config.json" in names and ("metadata.json" in names or ext == ".keras")


def _read_json(archive: zipfile.ZipFile, name: str, problems: list[str], unread: list[str]) -> Any:
    try:
        info = archive.getinfo(name)
    except KeyError:
        problems.append(f"{name} is missing")
        return None
    try:
        data = ziparchive.read_member(archive, info, MAX_CONFIG)
    except InputError as exc:  # over the bound: Keras would still read it
        unread.append(f"{name}: {exc}")
        problems.append(f"{name}: {exc}")
        return None
    except ziparchive.ZIP_ERRORS as exc:
        problems.append(f"{name}: unreadable ({type(exc).__name__})")
        return None
    try:
        value, strict = loader_json(data, f"Keras {name}", MAX_CONFIG, from_bytes=True)
    except InputError as exc:  # Keras cannot read it either
        problems.append(f"{name}: {exc}")
        return None
    if strict:
        problems.append(f"{name} is not strict JSON ({strict}); read as Keras reads it")
    return value


def keras_facts(archive: zipfile.ZipFile) -> tuple[dict[str, Any], Findings]:
    """What a ``.keras`` archive's config and metadata say."""
    problems: list[str] = []
    unread: list[str] = []
    config = _read_json(archive, "config.json", problems, unread)
    metadata = _read_json(archive, "metadata.json", problems, [])
    found = Findings()
    facts: dict[str, Any] = {}
    if isinstance(metadata, dict):
        for key in ("keras_version", "date_saved"):
            if isinstance(metadata.get(key), str):
                facts[key] = metadata[key][:80]
    if isinstance(config, dict):
        facts.update(_model_facts(config))
        walk(config, found)
    elif config is not None:
        problems.append("config.json is not a JSON object")
    if unread:  # Keras would read what the bound left out: not ruled out, so loud
        found.unread = unread[0]
    names = archive.namelist()
    facts["weights_member"] = "model.weights.h5" in names
    facts["members"] = clip([n[:300] for n in names], items=MAX_LISTED)
    facts["problems"] = problems
    return facts, found


def _model_facts(config: dict[str, Any]) -> dict[str, Any]:
    inner = config.get("config")
    name = inner.get("name") if isinstance(inner, dict) else None
    return {
        "model_class": str(config.get("class_name"))[:200],
        "model_name": name[:200] if isinstance(name, str) else None,
    }


def findings_json(found: Findings) -> dict[str, Any]:
    return {
        "layers": found.layers,
        "classes": clip(dict(found.classes.most_common()), items=MAX_LISTED),
        "lambda_layers": found.lambdas,
        "custom_objects": found.custom,
        "external_models": found.external,
        "hidden_text": found.hidden,
    }


def warnings_for(found: Findings) -> list[str]:
    out = []
    if found.lambdas:
        out.append(
            "CAN RUN CODE: Lambda layers or stored functions: "
            + "; ".join(found.lambdas[:10])
            + ". load_model(safe_mode=True), the default, refuses bytecode; safe_mode=False"
            " runs it. Do not load with safe_mode=False."
        )
    if found.custom:
        out.append(
            "CAN RUN CODE: custom objects from outside Keras, which loading imports and calls: "
            + "; ".join(found.custom[:10])
            + "."
        )
    if found.external:
        out.append("CAN RUN CODE: " + "; ".join(found.external[:10]) + ".")
    if found.hidden:
        out.append(
            "CAN RUN CODE: text a Keras loader reads but no search here can: "
            + "; ".join(found.hidden[:10])
            + ". It can spell a Lambda layer or a custom object that was not seen."
        )
    if found.unread:
        out.append(
            f"NOT INSPECTED: the model config could not be read ({found.unread}); Lambda"
            " layers or custom objects cannot be ruled out, so it may run code when loaded."
        )
    if found.cut:
        out.append(
            f"NOT FULLY READ: the config is larger or deeper than the limits ({MAX_NODES:,}"
            f" objects, {MAX_DEPTH} levels); what was not walked may hide more."
        )
    return out


def inspect_keras(archive: zipfile.ZipFile) -> dict[str, Any]:
    """A ``.keras`` archive that holds no pickle (the archive scan found none)."""
    facts, found = keras_facts(archive)
    summary: dict[str, Any] = {"format": "keras", "kind": "weights"}
    summary.update(facts)
    summary.update(findings_json(found))
    if found.runs_code or found.cut or found.unread:
        summary["danger"] = "can-run-code"
    summary["trusted"] = not facts["problems"] and not found.cut
    summary["warnings"] = (
        ["Keras model: a config and weights. Nothing was loaded."]
        + warnings_for(found)
        + [f"Problem: {p}." for p in facts["problems"][:10]]
    )
    return summary


# -- legacy HDF5 ---------------------------------------------------------------------------


def looks_like_hdf5(head: bytes) -> bool:
    return head.startswith(HDF5_MAGIC)


# Finds where a JSON value ends at C speed (a byte-by-byte walk took minutes on a file of
# config starts that never close). Read as latin-1 so character offsets are byte offsets.
_DECODER = json.JSONDecoder()


def _json_end(data: bytes) -> int | None:
    """The end of the JSON object ``data`` starts with, or None if it is not one."""
    try:
        value, end = _DECODER.raw_decode(data.decode("latin-1"))
    except (ValueError, RecursionError):
        return None
    return end if isinstance(value, dict) else None


# Text that only a Keras config with code in it holds: counted across the whole file, so a
# Lambda kept somewhere other than the config that was read (a second attribute, a config
# whose keys are reordered so its start is not found) still shows.
TRIPWIRES = (b"__lambda__", b'"Lambda"', b'"TFSMLayer"')
MAX_MARKS = 1000  # hits of one tripwire counted
# A JSON escape of a printable ASCII character: no JSON writer emits one (json.dumps, h5py
# escape only control and non-ASCII characters), but json.loads decodes it, so it can spell
# "Lambda" or "class_name" without those bytes appearing anywhere. Counted like a tripwire.
ESCAPED = re.compile(rb"\\u00[2-7][0-9A-Fa-f]")
ESCAPED_MARK = b"\\u00XX"


@dataclass
class _Search:
    configs: list[Any] = field(default_factory=list)
    in_configs: Counter[bytes] = field(default_factory=Counter)  # tripwires inside them
    marks: Counter[bytes] = field(default_factory=Counter)  # tripwires in the whole file
    whole: bool = True


def _search(stream: BinaryIO, size: int) -> _Search:
    """One pass over the file (up to ``H5_SCAN``) in overlapping chunks: Keras configs found
    as JSON text (``H5_TRIES`` starts tried, ``H5_CONFIGS`` kept) and tripwire counts."""
    found = _Search(whole=size <= H5_SCAN)
    limit = min(size, H5_SCAN)
    overlap = max(len(m) for m in (*TRIPWIRES, _CONFIG_START)) - 1
    pos, done, tries = 0, 0, 0  # done: hits before this offset were counted already
    inside = 0  # the end of the last config read: the layers nested in it are not re-read
    while pos < limit:
        stream.seek(pos)
        chunk = stream.read(min(H5_CHUNK, limit - pos)) or b""
        if not chunk:
            break
        for mark in TRIPWIRES:
            at = chunk.find(mark)
            while at >= 0 and found.marks[mark] < MAX_MARKS:
                if pos + at >= done:
                    found.marks[mark] += 1
                at = chunk.find(mark, at + 1)
        for hit in ESCAPED.finditer(chunk):
            if found.marks[ESCAPED_MARK] >= MAX_MARKS:
                break
            if pos + hit.start() >= done:
                found.marks[ESCAPED_MARK] += 1
        at = chunk.find(_CONFIG_START)
        while at >= 0 and tries < H5_TRIES and len(found.configs) < H5_CONFIGS:
            if pos + at >= max(done, inside):
                tries += 1
                inside = _read_config(stream, pos + at, size, found)
            at = chunk.find(_CONFIG_START, at + 1)
        last = pos + len(chunk) >= limit
        done = pos + len(chunk) if last else pos + len(chunk) - overlap
        pos = done
    return found


def _read_config(stream: BinaryIO, start: int, size: int, found: _Search) -> int:
    """Read the JSON object at ``start`` into ``found``; where it ends (``start`` if it
    does not parse)."""
    stream.seek(start)
    text = stream.read(min(H5_CONFIG, size - start)) or b""
    end = _json_end(text)
    if end is None:
        return start
    with contextlib.suppress(ValueError, RecursionError):
        found.configs.append(json.loads(text[:end]))
        for mark in TRIPWIRES:
            found.in_configs[mark] += text[:end].count(mark)
        found.in_configs[ESCAPED_MARK] += len(ESCAPED.findall(text[:end]))  # decoded, read
        return start + end
    return start


def inspect_hdf5(stream: BinaryIO, size: int) -> dict[str, Any]:
    search = _search(stream, size)
    configs, whole = search.configs, search.whole
    found = Findings()
    summary: dict[str, Any] = {"format": "hdf5", "kind": "weights", "hdf5_parsed": False}
    for config in configs:
        if isinstance(config, dict) and "model_class" not in summary:
            summary.update(_model_facts(config))
        walk(config, found)
    warnings = []
    if configs:
        summary["keras_configs"] = len(configs)
        summary.update(findings_json(found))
        warnings.append(
            "HDF5 file (legacy Keras): its HDF5 structure is not parsed here. A Keras model"
            " config was found as text in it and read; other attributes and datasets were"
            " not inspected."
        )
    else:
        warnings.append(
            "NOT INSPECTED: an HDF5 file. There is no HDF5 reader here, and no Keras model"
            " config was found as text in it, so Lambda layers or custom objects cannot be"
            " ruled out. Do not load it with Keras outside a sandbox."
        )
    if not whole:
        warnings.append(f"NOT FULLY SEARCHED: only the first {H5_SCAN:,} bytes were searched.")
    escaped = search.marks[ESCAPED_MARK] - search.in_configs[ESCAPED_MARK]
    if escaped > 0:
        _add(
            found.hidden,
            f"{escaped}{'+' if search.marks[ESCAPED_MARK] >= MAX_MARKS else ''} place(s) where"
            " text is escaped as \\u00XX outside any Keras config that could be read",
        )
    for mark in TRIPWIRES:
        extra = search.marks[mark] - search.in_configs[mark]
        if extra > 0:
            _add(
                found.external if mark == b'"TFSMLayer"' else found.lambdas,
                f"{extra}{'+' if search.marks[mark] >= MAX_MARKS else ''} occurrence(s) of"
                f" {mark.decode()} in the file outside any Keras config that could be read",
            )
    warnings += warnings_for(found)
    if found.lambdas:
        warnings.append(
            "Keras 2 (tf.keras) loads a legacy .h5 file's Lambda layers with no safe mode at"
            " all: their bytecode runs on load."
        )
    if found.runs_code or found.cut or not configs or not whole:
        # Not read, or not all searched: Lambda layers cannot be ruled out (allow-list first).
        summary["danger"] = "can-run-code"
    summary["warnings"] = warnings
    return summary
