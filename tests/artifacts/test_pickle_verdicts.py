"""Code-running model files are never reported as safe or as data (issue 15, item 1).

One table: each row builds a file (by hand, opcode by opcode, or with the standard library's
own ``pickle.dumps``, which never runs what it pickles), names it, and says the verdict the
scanner must give and the callable it must name. A new attack variant is one more row.
Nothing is ever unpickled: the ``nothing_runs`` fixture traps every way to load or run.
"""

from __future__ import annotations

import bz2
import collections
import cProfile
import gzip
import io
import lzma
import os
import pickle
import pkgutil
import pydoc
import tarfile
import time
import timeit
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support import pickles as pk

from reviewstation.artifacts.inspection import PickleScan, parse_inspection
from reviewstation.artifacts.inspectors import containers, inspect_stream, pickle_scan


@pytest.fixture(autouse=True)
def nothing_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    def trap(name: str) -> Any:
        def called(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError(f"{name} was called")

        return called

    import posix

    for module, names in (
        (os, ("system", "popen", "execv", "execve")),
        (posix, ("system",)),
        (pickle, ("load", "loads", "Unpickler", "_load", "_loads")),
        (cProfile, ("run",)),
        (timeit, ("timeit",)),
        (pydoc, ("pipepager",)),
        (pkgutil, ("resolve_name",)),
    ):
        for name in names:
            if hasattr(module, name):
                monkeypatch.setattr(module, name, trap(f"{module.__name__}.{name}"))


def inspect(data: bytes, name: str) -> dict[str, Any]:
    return inspect_stream(io.BytesIO(data), len(data), name, detail=False)


class Reduce:
    """Pickled by the real writer as ``func(*args)``; ``pickle.dumps`` never calls it."""

    def __init__(self, func: Callable[..., Any], *args: Any) -> None:
        self.func, self.args = func, args

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.func, self.args)


def dumps(obj: Any, protocol: int) -> bytes:
    return pickle.dumps(obj, protocol=protocol)


def _compressed(compress: Callable[[bytes], bytes]) -> bytes:
    return compress(pk.joblib_file(payload=pk.call("os", "system", pk.text("id"))))


EVIL = pk.call("os", "system", pk.text("id"))
STATE = pk.torch_state()
LONG_LINE = b"S'" + b"a" * 200_000 + b"'\np0\n."  # one protocol-0 pickle, one long line
EVIL_NPY = pk.npy("|O", pk.p2(pk.glob("builtins", "eval") + pk.tup(pk.text("1")) + pk.REDUCE))
SEVENTEEN = {f"m{i}/data.pkl": STATE for i in range(16)} | {"m16/data.pkl": pk.p2(EVIL)}


def _base256_sizes(tar: bytes) -> bytes:
    """Every member header's size rewritten in GNU base-256 (checksums fixed up)."""
    data, offset = bytearray(tar), 0
    while offset + 512 <= len(data) and any(data[offset : offset + 512]):
        header = data[offset : offset + 512]
        size = int(bytes(header[124:136]).split(b"\0", 1)[0].strip() or b"0", 8)
        header[124:136] = b"\x80" + size.to_bytes(11, "big")
        header[148:156] = b" " * 8
        header[148:156] = b"%06o\0 " % sum(header)
        data[offset : offset + 512] = header
        offset += 512 + -(-size // 512) * 512
    with tarfile.open(fileobj=io.BytesIO(bytes(data))) as check:
        assert check.getnames()  # tarfile reads it
    return bytes(data)


def _tar_header(name: bytes, size: int, kind: bytes = b"0") -> bytes:
    header = bytearray(512)
    header[: len(name)] = name
    header[100:108] = b"0000644\0"
    header[124:136] = b"%011o\0" % size
    header[156:157] = kind
    header[257:265] = b"ustar\x0000"
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\0 " % sum(header)
    return bytes(header)


def _padded(data: bytes) -> bytes:
    return data + bytes(-len(data) % 512)


def _pax_size_tar(evil: bytes) -> bytes:
    """A tar whose 'pickle' member has size 0 in its header but a pax ``size`` record, as
    tarfile reads it: its data is a decoy header whose *name* is the pickle. A walk that
    ignores pax sees the decoy member (benign bytes); tarfile hands torch.load the header."""
    benign = pk.p2(pk.EMPTY_DICT)
    decoy = _tar_header(evil, len(benign)) + _padded(benign)
    record = b" size=%d\n" % len(decoy)
    record = b"%d%s" % (len(record) + len(str(len(record) + 2)), record)
    pax = _tar_header(b"PaxHeader/pickle", len(record), b"x") + _padded(record)
    out = pax + _tar_header(b"pickle", 0) + decoy + bytes(1024)
    with tarfile.open(fileobj=io.BytesIO(out)) as check:
        member = check.getmember("pickle")
        assert check.extractfile(member).read().startswith(evil)  # type: ignore[union-attr]
    return out


# (id, content, name, format, verdict, the callable it must name, or None)
ROWS: list[tuple[str, bytes, str, str, str, str | None]] = [
    # -- known gadgets, named --------------------------------------------------------------
    ("os.system", pk.gadget("os", "system"), "model.pkl", "pickle", "dangerous", "os.system"),
    (
        "posix via STACK_GLOBAL",
        pk.p4(pk.stack_call("posix", "system", pk.text("id"))),
        "m.pkl",
        "pickle",
        "dangerous",
        "posix.system",
    ),
    (
        "py2 builtins eval",
        pk.p0_call("__builtin__", "eval", "1"),
        "m.pkl",
        "pickle",
        "dangerous",
        "__builtin__.eval",
    ),
    (
        "py2 commands",
        pk.p0_call("commands", "getoutput", "id"),
        "m.pkl",
        "pickle",
        "dangerous",
        "commands.getoutput",
    ),
    (
        "builtins getattr",
        pk.gadget("builtins", "getattr"),
        "m.pkl",
        "pickle",
        "dangerous",
        "builtins.getattr",
    ),
    (
        "cProfile.run",
        dumps(Reduce(cProfile.run, "print(1)"), 4),
        "m.pkl",
        "pickle",
        "dangerous",
        "cProfile.run",
    ),
    (
        "timeit",
        dumps(Reduce(timeit.timeit, "print(1)"), 2),
        "m.pkl",
        "pickle",
        "dangerous",
        "timeit.timeit",
    ),
    (
        "pydoc.pipepager",
        dumps(Reduce(pydoc.pipepager, "x", "id"), 3),
        "m.pkl",
        "pickle",
        "dangerous",
        "pydoc.pipepager",
    ),
    (
        "idlelib runcode",
        pk.p4(pk.stack_call("idlelib.pyshell", "ModifiedInterpreter.runcode", pk.text("x"))),
        "m.pkl",
        "pickle",
        "dangerous",
        "idlelib.pyshell.ModifiedInterpreter.runcode",
    ),
    (
        "idlelib run",
        pk.gadget("idlelib.run", "Executive"),
        "m.pkl",
        "pickle",
        "dangerous",
        "idlelib.run.Executive",
    ),
    (
        "pkgutil.resolve_name",
        dumps(Reduce(pkgutil.resolve_name, "os:system"), 4),
        "m.pkl",
        "pickle",
        "dangerous",
        "pkgutil.resolve_name",
    ),
    (
        "cloudpickle code",
        pk.p2(pk.call("cloudpickle.cloudpickle", "_builtin_type", pk.text("CodeType"))),
        "m.pkl",
        "pickle",
        "dangerous",
        "cloudpickle.cloudpickle._builtin_type",
    ),
    (
        "dill code",
        pk.gadget("dill._dill", "_create_code"),
        "m.dill",
        "pickle",
        "dangerous",
        "dill._dill._create_code",
    ),
    (
        "types.CodeType",
        pk.gadget("types", "CodeType"),
        "m.pkl",
        "pickle",
        "dangerous",
        "types.CodeType",
    ),
    (
        "numpy runstring",
        pk.gadget("numpy.testing._private.utils", "runstring"),
        "m.pkl",
        "pickle",
        "dangerous",
        "numpy.testing._private.utils.runstring",
    ),
    (
        "torch.jit submodule",
        pk.gadget("torch.jit._serialization", "load"),
        "m.pt",
        "pickle",
        "dangerous",
        "torch.jit._serialization.load",
    ),
    (
        "torch.hub submodule",
        pk.gadget("torch.hub", "load"),
        "m.pt",
        "pickle",
        "dangerous",
        "torch.hub.load",
    ),
    (
        "torch.package submodule",
        pk.gadget("torch.package.package_importer", "PackageImporter"),
        "m.pt",
        "pickle",
        "dangerous",
        "torch.package.package_importer.PackageImporter",
    ),
    (
        "torch.jit via dotted name",
        pk.p4(pk.stack_call("torch", "jit.load", pk.text("x"))),
        "m.pt",
        "pickle",
        "dangerous",
        "torch.jit.load",
    ),
    (
        "storage-named jit class",
        pk.gadget("torch.jit", "EvilStorage"),
        "m.pt",
        "pickle",
        "dangerous",
        "torch.jit.EvilStorage",
    ),
    (
        "operator.methodcaller",
        pk.gadget("operator", "methodcaller"),
        "m.pkl",
        "pickle",
        "dangerous",
        "operator.methodcaller",
    ),
    # -- not on the allow-list: never "expected" --------------------------------------------
    (
        "an sklearn model",
        pk.gadget("sklearn.linear_model", "LogisticRegression"),
        "m.pkl",
        "pickle",
        "unknown-imports",
        "sklearn.linear_model.LogisticRegression",
    ),
    (
        "storage-shaped name",
        pk.gadget("torch", "EvilStorage"),
        "m.pt",
        "pickle",
        "unknown-imports",
        "torch.EvilStorage",
    ),
    (
        "computed import",
        pk.p4(pk.text("o") + pk.text("s") + b"\x93" + pk.tup() + pk.REDUCE),
        "m.pkl",
        "pickle",
        "unknown-imports",
        None,
    ),
    (
        "copyreg extension",
        pk.p2(b"\x82\x07" + pk.tup() + pk.REDUCE),
        "m.pkl",
        "pickle",
        "unknown-imports",
        "<copyreg extension 7>",
    ),
    (
        "real writer, a class by reference",
        dumps(collections.Counter, 2),
        "m.pkl",
        "pickle",
        "expected",
        None,
    ),
    # -- honest checkpoints: expected --------------------------------------------------------
    ("torch state dict", STATE, "m.pt", "pickle", "expected", None),
    (
        "real writer, all protocols",
        b"".join(dumps(collections.OrderedDict(a=[1, 2.5, "x", None, b"b"]), p) for p in range(6)),
        "m.pkl",
        "pickle",
        "expected",
        None,
    ),
    (
        "torch zip",
        pk.torch_zip({"data.pkl": STATE}, storages=3),
        "m.pt",
        "pytorch-zip",
        "expected",
        None,
    ),
    ("legacy torch", pk.legacy_torch(), "old.pt", "pickle", "expected", None),
    (
        "legacy torch, two storages",
        pk.legacy_torch(storages={"0": ("FloatStorage", 3), "1": ("LongStorage", 5)}),
        "old.bin",
        "pickle",
        "expected",
        None,
    ),
    ("joblib", pk.joblib_file(), "m.joblib", "pickle", "expected", None),
    # -- the hiding places of issue 15 --------------------------------------------------------
    (
        "17th member of a torch zip",
        pk.torch_zip(SEVENTEEN),
        "m.pt",
        "pytorch-zip",
        "dangerous",
        "os.system",
    ),
    (
        "pickle in a non-.pkl member",
        pk.torch_zip({"data.pkl": STATE, "extra/blob": pk.p2(EVIL)}),
        "m.pt",
        "pytorch-zip",
        "dangerous",
        "os.system",
    ),
    (
        "second pickle after a long protocol-0 line",
        LONG_LINE + pk.p2(EVIL),
        "m.pkl",
        "pickle",
        "dangerous",
        "os.system",
    ),
    (
        "protocol 0 named .dill",
        pk.p0_call("os", "system", "id"),
        "m.dill",
        "pickle",
        "dangerous",
        "os.system",
    ),
    (
        "protocol 0 named .npy",
        pk.p0_call("os", "system", "id"),
        "m.npy",
        "pickle",
        "dangerous",
        "os.system",
    ),
    (
        "protocol 0 without extension",
        pk.p0_call("os", "system", "id"),
        "model",
        "pickle",
        "dangerous",
        "os.system",
    ),
    (
        "protocol 0 named .txt",
        pk.p0_call("os", "system", "id"),
        "notes.txt",
        "pickle",
        "dangerous",
        "os.system",
    ),
    (
        "a call, then a malformed tail",
        pk.p0_call("os", "system", "id")[:-1] + b"h\x05.",
        "notes",
        "pickle",
        "dangerous",
        "os.system",
    ),
    (
        "PROTO 1",
        b"\x80\x01" + pk.call("os", "system", pk.text("id")) + b".",
        "m",
        "pickle",
        "dangerous",
        "os.system",
    ),
    (
        "oldest torch.save (tar)",
        pk.torch_tar(pk.p2(EVIL)),
        "old.pt",
        "tar-with-pickles",
        "dangerous",
        "os.system",
    ),
    (
        # GNU base-256 sizes, which Python's tarfile (torch.load's tar path) reads
        "oldest torch.save (tar), base-256 sizes",
        _base256_sizes(pk.torch_tar(pk.p2(EVIL))),
        "old.pt",
        "tar-with-pickles",
        "dangerous",
        "os.system",
    ),
    (
        "tar member sized by a pax record",
        _pax_size_tar(pk.p2(EVIL)),
        "old.pt",
        "tar-with-pickles",
        "dangerous",
        "os.system",
    ),
    (
        "honest oldest torch.save (tar)",
        pk.torch_tar(STATE),
        "old.pt",
        "tar-with-pickles",
        "expected",
        None,
    ),
    (
        "npz inside a tar",
        pk.tar_of({"a/b.npz": pk.zip_of({"x.npy": EVIL_NPY})}),
        "x.tar",
        "tar-with-pickles",
        "dangerous",
        "builtins.eval",
    ),
    (
        "a tar cut short",
        pk.tar_of({"a.txt": b"x" * 2000, "p": pk.p2(EVIL)})[:1500],
        "x.tar",
        "tar-with-pickles",
        "incomplete",
        None,
    ),
    (
        "protocol 1 named .json",
        dumps(Reduce(os.system, "id"), 1),
        "x.json",
        "pickle",
        "dangerous",
        "posix.system",
    ),
    (
        "joblib payload after an inline array",
        pk.joblib_file(payload=EVIL),
        "m.joblib",
        "pickle",
        "dangerous",
        "os.system",
    ),
    (
        "joblib object array",
        pk.PROTO4
        + pk.EMPTY_DICT
        + pk.text("w")
        + pk.joblib_array((1,), "O8", b"")[0]
        + pk.p2(EVIL)
        + pk.SETITEM
        + pk.STOP,
        "m.joblib",
        "pickle",
        "dangerous",
        "os.system",
    ),
    ("joblib zlib", _compressed(zlib.compress), "m.joblib", "pickle", "dangerous", "os.system"),
    ("joblib gzip", _compressed(gzip.compress), "m.pkl.gz", "pickle", "dangerous", "os.system"),
    ("joblib bz2", _compressed(bz2.compress), "m.joblib", "pickle", "dangerous", "os.system"),
    ("joblib xz", _compressed(lzma.compress), "m.joblib", "pickle", "dangerous", "os.system"),
    (
        "joblib lzma",
        _compressed(lambda d: lzma.compress(d, lzma.FORMAT_ALONE)),
        "m.joblib",
        "pickle",
        "dangerous",
        "os.system",
    ),
    (
        "joblib lz4 (no decompressor)",
        containers.LZ4_MAGIC + bytes(60),
        "m.joblib",
        "pickle",
        "incomplete",
        None,
    ),
    (
        "bytes after a compressed stream",
        zlib.compress(pk.joblib_file()) + b"more",
        "m.joblib",
        "pickle",
        "incomplete",
        None,
    ),
    (
        "protocol 0 in a zip member",
        pk.zip_of(
            {"notes.txt": b"hi", "x.txt": pk.p0_call("os", "system", "id")}, zipfile.ZIP_DEFLATED
        ),
        "a.zip",
        "zip-with-pickles",
        "dangerous",
        "os.system",
    ),
    ("npy object array", EVIL_NPY, "a.npy", "pickle", "dangerous", "builtins.eval"),
    (
        "npz object array",
        pk.zip_of({"arr_0.npy": EVIL_NPY}, zipfile.ZIP_DEFLATED),
        "a.npz",
        "zip-with-pickles",
        "dangerous",
        "builtins.eval",
    ),
    (
        "keras weights npz",
        pk.zip_of({"config.json": b"{}", "model.weights.npz": pk.zip_of({"arr_0.npy": EVIL_NPY})}),
        "m.keras",
        "zip-with-pickles",
        "dangerous",
        "builtins.eval",
    ),
    (
        "pickle in a plain zip",
        pk.zip_of({"readme.txt": b"hi", "x/y": pk.p2(EVIL)}),
        "a.zip",
        "zip-with-pickles",
        "dangerous",
        "os.system",
    ),
    (
        "legacy torch with a pickle behind the storages",
        pk.legacy_torch(tail=pk.p2(EVIL)),
        "old.pt",
        "pickle",
        "dangerous",
        "os.system",
    ),
    (
        "legacy torch, storages cut off",
        pk.legacy_torch()[:-24],
        "old.pt",
        "pickle",
        "incomplete",
        None,
    ),
    ("bytes after the pickle", STATE + b"\xffjunk", "m.pkl", "pickle", "incomplete", None),
    (
        "a cut pickle",
        b"\x80\x02cos\nsystem\nX\xe8\x03\x00\x00abc",
        "m.pkl",
        "pickle",
        "dangerous",
        "os.system",
    ),
    ("a cut honest pickle", STATE[:-6], "m.pkl", "pickle", "incomplete", None),
    (
        # torch.load reads data/0 as raw bytes, but np.load of the same ZIP unpickles it
        "object npy named like a torch storage",
        pk.zip_of({"archive/data.pkl": STATE, "archive/data/0": pk.npy("|O", pk.p2(EVIL))}),
        "model.pt",
        "pytorch-zip",
        "dangerous",
        "os.system",
    ),
    # -- numbers the unpickler reads with int(x, 0) but pickletools.genops refuses ----------
    *(
        (
            f"protocol 0 led by {lead!r} as {name}",
            lead + b"0cposix\nsystem\n(S'true'\ntR.",
            name,
            "pickle",
            "dangerous",
            "posix.system",
        )
        for lead in (b"I0x1\n", b"L0o7L\n", b"I0b1\n")
        for name in ("model.pkl", "notes.txt", "model")
    ),
    # -- object dtypes NumPy accepts in a header, spelled other than "|O" -----------------
    *(
        (
            f"npy descr {descr!r} as {name}",
            pk.npy(descr, pk.p2(EVIL)),
            name,
            "pickle",
            "dangerous",
            "os.system",
        )
        for descr in ("object", "object_", "(1,)O", "i4,O", "O,i4")
        for name in ("a.npy", "x")
    ),
    *(
        (
            f"npz member descr {descr!r}",
            pk.zip_of({"a.npy": pk.npy(descr, pk.p2(EVIL))}),
            "a.npz",
            "zip-with-pickles",
            "dangerous",
            "os.system",
        )
        for descr in ("object", "(2,)O")
    ),
    (
        "npz object field named like a plain type",
        pk.zip_of({"a.npy": pk.npy([("a", "<f4"), ("b", "object")], pk.p2(EVIL))}),  # type: ignore[arg-type]
        "a.npz",
        "zip-with-pickles",
        "dangerous",
        "os.system",
    ),
    (
        "a disguise",
        pk.gadget("os", "system"),
        "model.safetensors",
        "pickle",
        "dangerous",
        "os.system",
    ),
]


@pytest.mark.parametrize(
    ("content", "name", "fmt", "verdict", "named"),
    [row[1:] for row in ROWS],
    ids=[row[0] for row in ROWS],
)
def test_every_hiding_place(
    content: bytes, name: str, fmt: str, verdict: str, named: str | None
) -> None:
    summary = inspect(content, name)
    assert (summary["format"], summary.get("verdict")) == (fmt, verdict), summary
    assert summary["danger"] == "can-run-code"
    risks = {i["callable"]: i["risk"] for i in summary["imports"]}
    if named is not None:
        assert named in risks, risks
        assert risks[named] == {"dangerous": "dangerous", "unknown-imports": "unknown"}.get(
            verdict, risks[named]
        )
    if verdict == "dangerous":
        assert any(named in w and w.startswith("DANGER") for w in summary["warnings"])
    if verdict == "incomplete":
        assert summary["not_scanned"], summary
        assert any(w.startswith("NOT SCANNED") for w in summary["warnings"])
    if verdict == "expected":
        assert summary["not_scanned"] == [] and set(risks.values()) <= {"expected"}
    typed = parse_inspection(summary)
    assert isinstance(typed, PickleScan) and typed.verdict == verdict and not typed.notes
    assert typed.to_json() == summary  # the stored form round-trips


@pytest.mark.parametrize(
    ("method", "name"),
    [(zipfile.ZIP_DEFLATED, "m.pkl"), (zipfile.ZIP_BZIP2, "m.pkl"), (zipfile.ZIP_DEFLATED, "m")],
)
def test_a_long_protocol_0_member_is_scanned_in_linear_time(method: int, name: str) -> None:
    """Each protocol-0 line was peeked and then re-read by seeking back, and a compressed ZIP
    member seeks back by decompressing again from its start: a 256 KiB member of short lines
    (a 400-byte ZIP) took minutes."""
    body = b"(lp0\n" + b"I1\na" * 64_000 + b"cposix\nsystem\n(S'true'\ntR."
    data = pk.zip_of({name: body}, method)
    start = time.monotonic()
    summary = inspect(data, "x.zip")
    assert time.monotonic() - start < 3
    assert summary.get("verdict") == "dangerous", summary


def test_the_verdict_is_allow_list_first() -> None:
    """Every allowed name is expected; any other name is at least unknown, and a gadget
    matches on every dotted prefix."""
    for name in pickle_scan.ALLOWED:
        assert pickle_scan.risk(name) == "expected", name
    for name in ("torch.jit", "torch.jit.x.y", "os.path.join", "__builtin__.open", "nt.system"):
        assert pickle_scan.risk(name) == "dangerous", name
    for name in ("torch.FloatStorageX", "numpy.ndarrays", "collections.OrderedDicts", "x.y"):
        assert pickle_scan.risk(name) == "unknown", name


def test_text_that_is_not_a_pickle_stays_text() -> None:
    for words in (
        b"hello.\n",
        b"Notes on the model.\n",
        b"I think so.\n",
        b"(a) and (b).\n",
        b"config\nvalue\nmore words.\n",
        b"include\nstdio\nand then.\n",
    ):
        assert inspect(words, "notes")["format"] == "text", words


def test_a_plain_tar_is_not_a_pickle() -> None:
    assert inspect(pk.tar_of({"a.txt": b"words\n"}), "x.tar")["format"] == "binary"


def test_a_member_budget_overrun_says_how_many_were_not_scanned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(containers, "MAX_MEMBERS", 4)
    data = pk.torch_zip({f"m{i}/data.pkl": STATE for i in range(6)})
    summary = inspect(data, "m.pt")
    assert summary["verdict"] == "incomplete"
    assert any("not scanned: 4 members" in item for item in summary["not_scanned"]), summary


@pytest.mark.parametrize("name", ["m.pkl", "m.pt"])
def test_a_pickle_over_the_size_limit_is_loud(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setattr(pickle_scan, "MAX_PICKLE_BYTES", 1024)
    content = pk.p2(pk.text("x" * 4000) + pk.POP + pk.call("collections", "OrderedDict"))
    if name == "m.pt":
        content = pk.torch_zip({"data.pkl": content})
    summary = inspect(content, name)
    assert summary["verdict"] == "incomplete"
    assert any("1,024-byte scan limit" in item for item in summary["not_scanned"]), summary
    assert any(w.startswith("NOT SCANNED") for w in summary["warnings"])
    assert parse_inspection(summary).can_run_code


@pytest.mark.parametrize("name", ["m.pkl", "m.npy", "model"])
def test_a_real_pickle_over_64_mib_is_flagged_not_scanned(name: str) -> None:
    """At the real limit (no monkeypatch): nothing before it quietly drops a large file."""
    body = pk.text("x" * (pickle_scan.MAX_PICKLE_BYTES + 1024)) + pk.POP + EVIL
    content = pk.p2(body)
    if name == "m.npy":
        content = pk.npy("|O", content)
    summary = inspect(content, name)
    assert (summary["format"], summary["verdict"]) == ("pickle", "incomplete"), summary
    assert any("67,108,864-byte scan limit" in item for item in summary["not_scanned"])
    assert parse_inspection(summary).can_run_code


def test_a_decompression_bomb_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(containers, "MAX_INFLATED", 256 * 1024)
    wrapper, inline = pk.joblib_array((1_000_000,), "<f8", b"\x00" * 8_000_000)
    big = pk.PROTO4 + pk.EMPTY_DICT + pk.text("w") + wrapper + inline + pk.SETITEM + pk.STOP
    summary = inspect(zlib.compress(big), "m.joblib")
    assert summary["verdict"] == "incomplete"
    assert any("decompresses to more than" in item for item in summary["not_scanned"])


def test_stored_summaries_cannot_hide_what_was_not_scanned() -> None:
    typed = parse_inspection(
        {"format": "pickle", "verdict": "expected", "imports": [], "not_scanned": ["x"]}
    )
    assert isinstance(typed, PickleScan) and typed.verdict == "incomplete" and typed.notes


# -- files written by the real upstream writers (tests/fixtures/pickles/make_pickles.py) ------

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pickles"
# (file, format, verdict, a callable it must name or None)
CORPUS: list[tuple[str, str, str | None, str | None]] = [
    ("joblib_plain.joblib", "pickle", "expected", None),
    ("joblib_payload_after_array.joblib", "pickle", "dangerous", "posix.system"),
    ("joblib_object_array.joblib", "pickle", "dangerous", "builtins.eval"),
    ("joblib_zlib.joblib", "pickle", "dangerous", "posix.system"),
    ("joblib_gzip.joblib", "pickle", "dangerous", "posix.system"),
    ("joblib_bz2.joblib", "pickle", "dangerous", "posix.system"),
    ("joblib_lzma.joblib", "pickle", "dangerous", "posix.system"),
    ("joblib_xz.joblib", "pickle", "dangerous", "posix.system"),
    ("numpy_object.npy", "pickle", "dangerous", "builtins.eval"),
    ("numpy_object.npz", "zip-with-pickles", "dangerous", "builtins.eval"),
    ("numpy_array_p2.pkl", "pickle", "expected", None),
    ("numpy_array_p5.pkl", "pickle", "expected", None),
    ("cloudpickle_lambda.pkl", "pickle", "dangerous", "cloudpickle.cloudpickle._make_function"),
    ("numpy_plain.npy", "npy", None, None),  # numbers only: data, not code
    ("numpy_plain.npz", "npz", None, None),
]


@pytest.mark.parametrize(("file", "fmt", "verdict", "named"), CORPUS, ids=[r[0] for r in CORPUS])
def test_files_from_the_real_writers(
    file: str, fmt: str, verdict: str | None, named: str | None
) -> None:
    data = (FIXTURES / file).read_bytes()
    summary = inspect(data, file)
    assert (summary["format"], summary.get("verdict")) == (fmt, verdict), summary
    if verdict is not None:
        risks = {i["callable"]: i["risk"] for i in summary["imports"]}
        assert summary["not_scanned"] == []
        if named is not None:
            assert risks[named] == "dangerous"
        else:
            assert set(risks.values()) == {"expected"}


def test_the_corpus_is_complete() -> None:
    on_disk = {p.name for p in FIXTURES.iterdir() if p.suffix not in (".py", ".txt")}
    assert on_disk == {row[0] for row in CORPUS}


def test_past_the_memory_bound_what_needed_the_values_is_not_scanned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pickle_scan, "MAX_KEPT", 3)
    for content, name in ((pk.joblib_file(), "m.joblib"), (pk.legacy_torch(), "old.pt")):
        summary = inspect(content, name)
        assert summary["verdict"] == "incomplete", summary


def test_an_expected_verdict_from_the_older_scanner_is_not_trusted() -> None:
    older = {"format": "pytorch-zip", "verdict": "expected", "imports": [], "pickles": []}
    typed = parse_inspection(older)
    assert isinstance(typed, PickleScan) and typed.verdict == "incomplete"
    assert any("older scanner" in note for note in typed.notes)


@pytest.mark.parametrize(
    ("content", "name", "also"),
    [
        # 'G' (BINFLOAT) eats "GUF", the version and a byte; then '0' (POP) and a call.
        (b"GGUF\x03\x00\x00\x00\x00" + b"0" + pk.p0_call("os", "system", "id"), "m.gguf", "gguf"),
        (b"GGUF\x03\x00\x00\x00\x00" + b"0" + pk.p0_call("os", "system", "id"), "m.pkl", "gguf"),
        # protocol 0 has no magic: the ONNX reader refuses it, the pickle scan does not
        (pk.p0_call("os", "system", "id"), "model.onnx", "onnx"),
    ],
    ids=["named gguf", "named pkl", "named onnx"],
)
def test_a_polyglot_is_a_pickle_first(content: bytes, name: str, also: str) -> None:
    summary = inspect(content, name)
    assert summary["format"] == "pickle" and summary["verdict"] == "dangerous", summary
    assert any(
        w.startswith(f"POLYGLOT: the content also reads as {also}") for w in summary["warnings"]
    )


def test_damaged_stored_content_is_not_mistaken_for_an_unscanned_part(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from reviewstation.artifacts.stream import BlobCorrupt

    monkeypatch.setattr(pickle_scan.Source, "BUFFER", 16)  # reads small enough to reach byte 40

    class Damaged(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            if self.tell() > 40:
                raise BlobCorrupt("a chunk failed authentication", "chunk")
            return super().read(size)

    for content, name in ((pk.legacy_torch(), "old.pt"), (pk.torch_tar(STATE), "old.pt")):
        with pytest.raises(BlobCorrupt):
            inspect_stream(Damaged(content), len(content), name, detail=False)
