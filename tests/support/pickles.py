"""Pickle files assembled opcode by opcode, for the scanner's tests. Nothing here is ever
loaded: the files are only written and scanned (picklescan's and modelscan's test-set style).

``Op`` helpers return raw opcode bytes; the builders at the bottom make whole files in the
layouts the scanner follows (legacy ``torch.save``, joblib with inline arrays, NumPy ``.npy``,
ZIP archives).
"""

from __future__ import annotations

import ast
import io
import struct
import tarfile
import zipfile

PROTO2 = b"\x80\x02"
PROTO4 = b"\x80\x04"
MARK = b"("
TUPLE = b"t"
TUPLE1 = b"\x85"
TUPLE2 = b"\x86"
TUPLE3 = b"\x87"
EMPTY_TUPLE = b")"
EMPTY_DICT = b"}"
EMPTY_LIST = b"]"
SETITEM = b"s"
SETITEMS = b"u"
APPEND = b"a"
REDUCE = b"R"
BUILD = b"b"
NEWOBJ = b"\x81"
STACK_GLOBAL = b"\x93"
MEMOIZE = b"\x94"
BINPERSID = b"Q"
NONE = b"N"
TRUE = b"\x88"
FALSE = b"\x89"
POP = b"0"
STOP = b"."


def glob(module: str, name: str) -> bytes:
    """GLOBAL: protocols 0-3 name the callable inline."""
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def text(value: str) -> bytes:
    raw = value.encode()
    if len(raw) < 256:
        return b"\x8c" + bytes([len(raw)]) + raw  # SHORT_BINUNICODE
    return b"X" + struct.pack("<I", len(raw)) + raw  # BINUNICODE


def integer(value: int) -> bytes:
    if 0 <= value < 256:
        return b"K" + bytes([value])
    if -(2**31) <= value < 2**31:
        return b"J" + struct.pack("<i", value)
    raw = value.to_bytes((value.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(raw)]) + raw  # LONG1


def tup(*items: bytes) -> bytes:
    return MARK + b"".join(items) + TUPLE


def call(module: str, name: str, *args: bytes) -> bytes:
    """GLOBAL module name; the arguments as a tuple; REDUCE."""
    return glob(module, name) + tup(*args) + REDUCE


def stack_call(module: str, name: str, *args: bytes) -> bytes:
    """STACK_GLOBAL (protocol 4): module and name come from the stack."""
    return text(module) + text(name) + STACK_GLOBAL + tup(*args) + REDUCE


def p2(body: bytes) -> bytes:
    return PROTO2 + body + STOP


def p4(body: bytes) -> bytes:
    return PROTO4 + body + STOP


def p0_call(module: str, name: str, arg: str) -> bytes:
    """A protocol-0 pickle: printable text only, no magic."""
    return f"c{module}\n{name}\n(S{arg!r}\ntR.".encode()


def gadget(module: str, name: str, arg: str = "id") -> bytes:
    return p2(call(module, name, text(arg)))


# -- honest content ------------------------------------------------------------------------


def torch_state(storage: str = "FloatStorage", key: str = "0", numel: int = 4) -> bytes:
    """What torch.save's data.pkl holds: an OrderedDict of one tensor, its storage a
    persistent id ('storage', type, key, location, numel)."""
    pid = tup(text("storage"), glob("torch", storage), text(key), text("cpu"), integer(numel))
    tensor = call(
        "torch._utils",
        "_rebuild_tensor_v2",
        pid + BINPERSID,
        integer(0),
        tup(integer(numel)),
        tup(integer(1)),
        FALSE,
        call("collections", "OrderedDict"),
    )
    return p2(call("collections", "OrderedDict") + text("weight") + tensor + SETITEM)


def legacy_torch(*, storages: dict[str, tuple[str, int]] | None = None, tail: bytes = b"") -> bytes:
    """Legacy torch.save: magic, protocol version, system info, the data pickle, the list
    of storage keys, then each storage as an 8-byte count and raw elements."""
    storages = storages if storages is not None else {"0": ("FloatStorage", 4)}
    sizes = {"FloatStorage": 4, "DoubleStorage": 8, "HalfStorage": 2, "LongStorage": 8}
    magic = p2(integer(0x1950A86A20F9469CFC6C))
    version = p2(integer(1001))
    info = p2(
        EMPTY_DICT
        + MARK
        + text("protocol_version")
        + integer(1001)
        + text("little_endian")
        + TRUE
        + SETITEMS
    )
    body = call("collections", "OrderedDict")
    for key, (kind, numel) in storages.items():
        pid = tup(text("storage"), glob("torch", kind), text(key), text("cpu"), integer(numel))
        tensor = call(
            "torch._utils",
            "_rebuild_tensor_v2",
            pid + BINPERSID,
            integer(0),
            tup(integer(numel)),
            tup(integer(1)),
            FALSE,
            call("collections", "OrderedDict"),
        )
        body += text(f"w{key}") + tensor + SETITEM
    keys = p2(EMPTY_LIST + MARK + b"".join(text(k) for k in storages) + b"e")
    raw = b"".join(
        struct.pack("<q", numel) + b"\xab" * (numel * sizes[kind])
        for kind, numel in storages.values()
    )
    return magic + version + info + p2(body) + keys + raw + tail


def numpy_dtype(descr: str) -> bytes:
    """numpy.dtype(descr, False, True) with its BUILD state, as numpy pickles a dtype."""
    state = tup(integer(3), text("<"), NONE, NONE, NONE, integer(-1), integer(-1), integer(0))
    return call("numpy", "dtype", text(descr), FALSE, TRUE) + state + BUILD


def joblib_array(
    shape: tuple[int, ...], descr: str, data: bytes, *, align: bool = True
) -> tuple[bytes, bytes]:
    """A ``NumpyArrayWrapper`` (NEWOBJ, BUILD with its state) and the array's bytes inline,
    after the alignment byte and padding joblib >= 1.2 writes."""
    state = EMPTY_DICT + MARK
    state += text("subclass") + glob("numpy", "ndarray")
    state += text("shape") + tup(*(integer(d) for d in shape))
    state += text("order") + text("C")
    state += text("dtype") + numpy_dtype(descr)
    state += text("allow_mmap") + TRUE
    if align:
        state += text("numpy_array_alignment_bytes") + integer(16)
    state += SETITEMS
    wrapper = glob("joblib.numpy_pickle", "NumpyArrayWrapper") + EMPTY_TUPLE + NEWOBJ
    inline = (b"\x03" + b"\xff" * 3 if align else b"") + data
    return wrapper + state + BUILD, inline


def joblib_file(*, payload: bytes = b"", descr: str = "<f8") -> bytes:
    """What ``joblib.dump({'w': array, 'x': payload})`` writes: the array's bytes sit in the
    middle of the pickle, and the payload comes after them."""
    wrapper, inline = joblib_array((3,), descr, b"\x00" * 24)
    head = PROTO4 + EMPTY_DICT + MARK + text("w") + wrapper
    tail = (text("x") + payload if payload else b"") + SETITEMS + STOP
    return head + inline + tail


def npy(descr: str, body: bytes, shape: tuple[int, ...] = (1,)) -> bytes:
    """A ``.npy`` file: magic, version 1.0, the header dict, padding, then ``body``."""
    header = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    assert ast.literal_eval(header.decode().strip())
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + body


def zip_of(members: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def torch_zip(pickles: dict[str, bytes], storages: int = 1) -> bytes:
    members = {f"archive/{name}": data for name, data in pickles.items()}
    members.update({f"archive/data/{i}": b"\x80\x02" + bytes(14) for i in range(storages)})
    members["archive/version"] = b"3\n"
    return zip_of(members)


def tar_of(members: dict[str, bytes]) -> bytes:
    """A tar written by the standard library's own writer."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def torch_tar(data: bytes) -> bytes:
    """The oldest torch.save layout: a tar whose 'pickle' member is the data pickle."""
    return tar_of({"sys_info": p2(EMPTY_DICT), "pickle": data, "tensors": p2(integer(0))})
