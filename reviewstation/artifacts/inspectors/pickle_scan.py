"""Pickles, statically: which callables a pickle would import and call. Never unpickled.

Loading a pickle runs whatever its GLOBAL / STACK_GLOBAL / INST opcodes import and REDUCE /
INST / OBJ / NEWOBJ / BUILD call. We walk the opcodes with ``pickletools.genops`` and follow
the operand stack symbolically (literals, tuples, lists, dicts, imported names, calls and
memo slots; nothing is ever constructed or called), so the module and name that
STACK_GLOBAL takes from the stack are recovered, and so is the layout of what follows a
pickle in the formats that put raw bytes between or after pickles (joblib's inline arrays,
the tensor storages of legacy ``torch.save`` files).

The verdict is allow-list first. Only the tensor-rebuild and container callables honest
checkpoints use (``ALLOWED``) are "expected"; every other callable is at least "unknown", and
the known gadgets (``GADGETS``, matched on every dotted prefix, after Python 2 names are mapped
the way the unpickler maps them) are named "dangerous". A scan that was cut short, hit a
limit or left bytes it could not account for says so in ``not_scanned`` and cannot be
"expected": its verdict is "incomplete". Every pickle is flagged as able to run code.
"""

from __future__ import annotations

import _compat_pickle
import io
import pickletools
import re
import struct
from collections import Counter
from typing import Any, BinaryIO

from reviewstation.artifacts.stream import BlobCorrupt
from reviewstation.errors import InputError

MAX_PICKLE_BYTES = 64 * 1024 * 1024  # the opcodes of one pickle
MAX_PICKLES = 64  # pickles back to back in one stream (legacy torch.save writes five)
MAX_OPCODES = 20_000_000  # in one scan, all pickles together
MAX_TRACKED = 100_000  # symbolic stack entries and memo slots kept
MAX_ITEMS = 10_000  # entries kept of one symbolic list or dict
MAX_KEPT = 2_000_000  # entries kept in symbolic tuples, lists and dicts in all (memory bound)
MAX_STORAGES = 1_000_000  # persistent ids kept (legacy torch storages)
MAX_NESTING = 4  # pickles inside pickles (joblib object arrays)
LEGACY_TORCH_MAGIC = 0x1950A86A20F9469CFC6C
VERDICTS = ("dangerous", "unknown-imports", "incomplete", "expected")  # worst first

# -- what honest checkpoints import: the allow-list ---------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_TORCH_STORAGE_ITEM = {
    "Double": 8,
    "Float": 4,
    "Half": 2,
    "BFloat16": 2,
    "Long": 8,
    "Int": 4,
    "Short": 2,
    "Char": 1,
    "Byte": 1,
    "Bool": 1,
    "ComplexDouble": 16,
    "ComplexFloat": 8,
    "QUInt8": 1,
    "QInt8": 1,
    "QInt32": 4,
    "QUInt4x2": 1,
    "QUInt2x4": 1,
    "Untyped": 1,
}
STORAGE_ITEM_BYTES = {f"torch.{k}Storage": v for k, v in _TORCH_STORAGE_ITEM.items()} | {
    "torch.storage.UntypedStorage": 1,
    "torch.UntypedStorage": 1,
}
_TORCH_DTYPES = _words(
    "float64 float32 float16 bfloat16 float8_e4m3fn float8_e5m2 float8_e4m3fnuz"
    " float8_e5m2fnuz float8_e8m0fnu float4_e2m1fn_x2 complex32 complex64 complex128"
    " int64 int32 int16 int8 uint64 uint32 uint16 uint8 bool qint8 quint8 qint32 quint4x2"
    " quint2x4 double float half cfloat cdouble long int short"
)
_TORCH_LAYOUTS = _words("strided sparse_coo sparse_csr sparse_csc sparse_bsr sparse_bsc _mkldnn")
_TORCH_QSCHEMES = _words(
    "per_tensor_affine per_channel_affine per_tensor_symmetric per_channel_symmetric"
    " per_channel_affine_float_qparams"
)
_TORCH_REBUILD = _words(
    "_rebuild_tensor _rebuild_tensor_v2 _rebuild_tensor_v3 _rebuild_parameter"
    " _rebuild_parameter_with_state _rebuild_qtensor _rebuild_sparse_tensor"
    " _rebuild_meta_tensor_no_storage _rebuild_nested_tensor _rebuild_wrapper_subclass"
    " _rebuild_device_tensor_from_numpy _rebuild_device_tensor_from_cpu_tensor"
)
ALLOWED = frozenset(
    {
        *(f"torch._utils.{name}" for name in _TORCH_REBUILD),
        *STORAGE_ITEM_BYTES,
        *(f"torch.{name}" for name in (*_TORCH_DTYPES, *_TORCH_LAYOUTS, *_TORCH_QSCHEMES)),
        "torch._tensor._rebuild_from_type_v2",
        "torch.Tensor",
        "torch.device",
        "torch.Size",
        "torch.serialization._get_layout",
        "torch.nn.parameter.Parameter",
        "collections.OrderedDict",
        "collections.Counter",
        "collections.defaultdict",
        # NumPy arrays and scalars of plain dtypes (an object array's elements are pickles
        # of their own inside the same stream, and scanned like the rest).
        "numpy.core.multiarray._reconstruct",
        "numpy._core.multiarray._reconstruct",
        "numpy.core.multiarray.scalar",
        "numpy._core.multiarray.scalar",
        "numpy.core.numeric._frombuffer",  # protocol 5
        "numpy._core.numeric._frombuffer",
        "numpy.ndarray",
        "numpy.dtype",
        # joblib's stand-in for an array whose bytes follow inline (followed, not trusted).
        "joblib.numpy_pickle.NumpyArrayWrapper",
        "sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper",
        "builtins.set",
        "builtins.frozenset",
        "builtins.slice",
        "builtins.complex",
        "builtins.bytearray",
        "builtins.range",
        "_codecs.encode",
    }
)

# -- known gadgets: only to NAME the danger (anything not allowed is already suspect) -------

GADGETS = frozenset(
    {
        # processes, files, network, interpreters and the import machinery
        *_words(
            "os posix nt subprocess _posixsubprocess sys shutil socket ssl select runpy importlib"
            " imp zipimport pkgutil pty commands webbrowser ctypes _ctypes cffi multiprocessing"
            " concurrent threading _thread thread signal platform code codeop marshal pickle"
            " _pickle cPickle pickletools dill cloudpickle joblib.parallel shelve"
            " dbm tempfile pathlib glob io _io fileinput linecache zipfile tarfile gzip bz2 lzma"
            " urllib urllib2 urllib3 http httplib ftplib smtplib telnetlib xmlrpc requests aiohttp"
            " asyncio asyncore sqlite3 pip ensurepip venv setuptools distutils pkg_resources"
            " types inspect operator _operator functools.reduce"
            # code runners hidden in harmless-looking modules (picklescan / fickling bypasses)
            " cProfile profile timeit pydoc idlelib pdb bdb trace doctest unittest lib2to3"
            " gc"
            # model libraries' own loaders and code containers
            " torch.hub torch.jit torch.package torch._dynamo torch._inductor torch.fx"
            " torch.load torch.serialization.load torch.serialization._load torch.classes"
            " torch.ops torch._C torch.utils.cpp_extension torch.compile"
            " numpy.load numpy.testing numpy.f2py numpy.distutils numpy.lib.npyio"
            " numpy.ctypeslib keras.models tensorflow transformers.dynamic_module_utils"
            " joblib.load sklearn.utils._joblib"
        ),
        *(
            f"builtins.{name}"
            for name in _words(
                "eval exec compile open __import__ getattr setattr delattr globals locals"
                " vars input breakpoint help memoryview type object super apply execfile"
                " file reload exit quit classmethod staticmethod property"
            )
        ),
    }
)
_STRING_OPS = frozenset(
    {
        "STRING",
        "BINSTRING",
        "SHORT_BINSTRING",
        "UNICODE",
        "BINUNICODE",
        "SHORT_BINUNICODE",
        "BINUNICODE8",
    }
)
_INT_OPS = frozenset({"INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4"})
_BYTES_OPS = frozenset({"BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "BYTEARRAY8"})
_CALL_OPS = frozenset({"REDUCE", "INST", "OBJ", "NEWOBJ", "NEWOBJ_EX", "BUILD"})
_MEMO_PUT = frozenset({"PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"})
_MEMO_GET = frozenset({"GET", "BINGET", "LONG_BINGET"})
_MARK = object()
_UNKNOWN = object()
_DTYPE = re.compile(r"^[<>|=]?([biufcOSUVMmaT?])(\d*)")


# -- the opcodes, read as the unpickler reads them -------------------------------------------
# pickletools.genops parses a few protocol-0 arguments more strictly than pickle.Unpickler:
# INT and LONG with int(x) where the unpickler uses int(x, 0) ("I0x1" loads, genops refuses),
# GLOBAL and INST names escape-decoded as ASCII where the unpickler decodes UTF-8. A pickle led
# by such an opcode ran when loaded but read here as "not a pickle". These readers follow
# Lib/pickle.py (load_int, load_long, load_global, load_inst) exactly.


def _read_int_nl(f: Any) -> int | bool:
    data = f.readline()
    if data == b"00\n":
        return False
    if data == b"01\n":
        return True
    return int(data, 0)


def _read_long_nl(f: Any) -> int:
    data = f.readline()[:-1]
    if data and data[-1] == ord("L"):
        data = data[:-1]
    return int(data, 0)


def _read_name_pair(f: Any) -> str:
    module = f.readline()[:-1].decode("utf-8")
    name = f.readline()[:-1].decode("utf-8")
    return f"{module} {name}"


def _as_unpickler(op: pickletools.OpcodeInfo) -> pickletools.OpcodeInfo:
    reader = {"INT": _read_int_nl, "LONG": _read_long_nl, "GLOBAL": _read_name_pair}.get(
        "GLOBAL" if op.name == "INST" else op.name
    )
    if reader is None or op.arg is None:
        return op
    arg = pickletools.ArgumentDescriptor(op.arg.name, op.arg.n, reader, op.arg.doc)
    return pickletools.OpcodeInfo(
        op.name, op.code, arg, op.stack_before, op.stack_after, op.proto, op.doc
    )


_OPCODES = {op.code.encode("latin-1"): _as_unpickler(op) for op in pickletools.opcodes}


def genops(source: Any) -> Any:
    """``pickletools.genops`` with the unpickler's own argument parsing (above)."""
    while True:
        pos = source.tell()
        code = source.read(1)
        opcode = _OPCODES.get(code)
        if opcode is None:
            raise ValueError(f"unknown opcode {code!r} at byte {pos}")
        arg = None if opcode.arg is None else opcode.arg.reader(source)
        yield opcode, arg, pos
        if code == b".":
            return


def canonical(callable_name: str) -> str:
    """The name the unpickler would import: Python 2 names mapped as ``fix_imports`` does."""
    module, _, name = callable_name.rpartition(".")
    if module in ("__builtin__", "__builtins__"):
        module = "builtins"
    if (module, name) in _compat_pickle.NAME_MAPPING:
        module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    elif module in _compat_pickle.IMPORT_MAPPING:
        module = _compat_pickle.IMPORT_MAPPING[module]
    return f"{module}.{name}" if module else name


def risk(callable_name: str) -> str:
    """``expected`` only for the allow-list; ``dangerous`` for a known gadget (any dotted
    prefix of the name: ``torch.jit._script.x`` matches ``torch.jit``); else ``unknown``."""
    name = canonical(callable_name)
    if name in ALLOWED:
        return "expected"
    parts = name.split(".")
    if any(".".join(parts[:n]) in GADGETS for n in range(1, len(parts) + 1)):
        return "dangerous"
    return "unknown"


def looks_like(head: bytes) -> bool:
    """Protocol 2+ pickles start with PROTO; older ones are recognised by parsing
    (``parses_as_pickle``)."""
    return len(head) >= 2 and head[0] == 0x80 and head[1] <= 5


# -- symbolic values -----------------------------------------------------------------------


class Global:
    """A callable a GLOBAL / STACK_GLOBAL opcode imports (by name only)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class Call:
    """What calling ``func`` with ``args`` would return; ``state`` is what BUILD gave it."""

    __slots__ = ("args", "func", "state")

    def __init__(self, func: Any, args: Any) -> None:
        self.func = func
        self.args = args
        self.state: Any = None

    def of(self, *names: str) -> bool:
        return isinstance(self.func, Global) and canonical(self.func.name) in names


class Persistent:
    """A persistent id (BINPERSID): torch's storage references."""

    __slots__ = ("pid",)

    def __init__(self, pid: Any) -> None:
        self.pid = pid


class _List(list[Any]):
    pass


# -- the sources a scan reads from ---------------------------------------------------------


class TooLarge(Exception):
    """A pickle reached MAX_PICKLE_BYTES, or a decompressed stream its bound."""


class PastEnd(Exception):
    """An opcode or a declared length asks for more bytes than the content holds."""


class Source:
    """What genops reads from: a window of a seekable stream. Refuses a read before
    allocating it when it would pass the end, or the current pickle's byte limit.

    Reads go through a read-ahead buffer and the stream only ever moves forward: a ZIP
    member's stream seeks back by decompressing again from its start, so peeking at each
    protocol-0 line and seeking back made a scan quadratic in the member's size."""

    BUFFER = 64 * 1024

    def __init__(self, stream: BinaryIO, start: int, end: int) -> None:
        self._stream = stream
        self._start = start
        self._end = end
        self._pos = start
        self._pickle_start = start
        self._synced = -1  # where the stream is, when we put it there (saves a seek a read)
        self._buf = b""
        self._buf_at = start  # the stream offset of self._buf[0]

    def begin_pickle(self) -> None:
        self._pickle_start = self._pos

    def tell(self) -> int:
        return self._pos - self._start

    def remaining(self) -> int | None:
        """Bytes left, when known."""
        return self._end - self._pos

    def at_end(self) -> bool:
        return self._pos >= self._end

    def _check(self, count: int) -> None:
        if self._pos + count - self._pickle_start > MAX_PICKLE_BYTES:
            raise TooLarge
        if self._pos + count > self._end:
            raise PastEnd

    def _from_stream(self, at: int, count: int) -> bytes:
        if count <= 0:
            return b""
        if self._synced != at:
            self._stream.seek(at)
        data = self._stream.read(count) or b""
        self._synced = at + len(data)
        return data

    def _buffered(self, count: int) -> bytes:
        """Up to ``count`` bytes at the position, without moving it."""
        rel = self._pos - self._buf_at
        if rel >= 0 and rel + count <= len(self._buf):
            return self._buf[rel : rel + count]
        if 0 <= rel <= len(self._buf):  # keep what is left, read on from where the stream is
            keep, at = self._buf[rel:], self._buf_at + len(self._buf)
        else:  # past the buffer (after a skip): forward from the position
            keep, at = b"", self._pos
        want = min(max(count, self.BUFFER), self._end - self._pos) - len(keep)
        self._buf = keep + self._from_stream(at, want)
        self._buf_at = self._pos
        return self._buf[:count]

    def read(self, count: int = -1) -> bytes:
        if count < 0:
            raise PastEnd
        self._check(count)
        if count <= self.BUFFER:
            data = self._buffered(count)
        else:  # a large operand: what is buffered, then straight from the stream
            rel = self._pos - self._buf_at
            head = self._buf[rel:] if 0 <= rel <= len(self._buf) else b""
            at = self._pos + len(head)
            data = head + self._from_stream(at, count - len(head))
            self._buf, self._buf_at = b"", self._pos + len(data)
        if len(data) != count:
            raise PastEnd
        self._pos += count
        return data

    def readline(self) -> bytes:
        out = bytearray()
        while True:
            chunk = self._peek(4096)
            if not chunk:
                raise PastEnd  # the line runs to the end of the content
            cut = chunk.find(b"\n")
            take = len(chunk) if cut < 0 else cut + 1
            out += self.read(take)
            if cut >= 0:
                return bytes(out)

    def _peek(self, count: int) -> bytes:
        count = min(count, self._end - self._pos)
        self._check(max(count, 1) if count else 0)
        return self._buffered(count)

    def skip(self, count: int) -> None:
        """Pass over raw bytes (an inline array, a storage) without reading them."""
        if count < 0 or self._pos + count > self._end:
            raise PastEnd
        self._pos += count
        self._pickle_start = self._pos


class InflatingSource(Source):
    """A compressed stream (zlib, gzip, bz2, xz, lzma), decompressed as it is read, with at
    most ``limit`` bytes of output in all (past that: ``TooLarge``)."""

    CHUNK = 1024 * 1024

    def __init__(
        self, stream: BinaryIO, start: int, end: int, decompressor: Any, limit: int
    ) -> None:
        self._raw = stream
        self._raw_pos = start
        self._raw_end = end
        self._decompressor = decompressor
        self._limit = limit
        self._buffer = bytearray()
        self._consumed = 0  # decompressed bytes handed out or skipped
        self._pickle_begin = 0

    def begin_pickle(self) -> None:
        self._pickle_begin = self._consumed

    def tell(self) -> int:
        return self._consumed

    def remaining(self) -> int | None:
        return None

    def _next_raw(self) -> bytes:
        if self._raw_pos >= self._raw_end:
            return b""
        self._raw.seek(self._raw_pos)
        data = self._raw.read(min(self.CHUNK, self._raw_end - self._raw_pos)) or b""
        self._raw_pos += len(data)
        return data

    def _fill(self, want: int) -> None:
        while len(self._buffer) < want:
            produced = self._consumed + len(self._buffer)
            if produced >= self._limit:
                raise TooLarge(f"decompresses to more than {self._limit:,} bytes (the limit)")
            d = self._decompressor
            if getattr(d, "eof", False):
                return
            tail = getattr(d, "unconsumed_tail", b"")
            needs = getattr(d, "needs_input", True)
            data = tail or (self._next_raw() if needs else b"")
            if not data and needs:
                return  # the compressed data ends here
            try:
                out = d.decompress(data, min(self.CHUNK, self._limit - produced))
            except Exception as exc:  # zlib.error, lzma.LZMAError, OSError, EOFError
                raise PastEnd("the compressed data is damaged") from exc
            self._buffer += out

    def peek(self, count: int) -> bytes:
        self._fill(count)
        return bytes(self._buffer[:count])

    def left_over(self) -> int:
        """Compressed bytes after the end of the compressed stream (none in a joblib file)."""
        if not getattr(self._decompressor, "eof", False):
            return 0
        return len(getattr(self._decompressor, "unused_data", b"")) + (
            self._raw_end - self._raw_pos
        )

    def at_end(self) -> bool:
        if self._buffer:
            return False
        try:
            self._fill(1)
        except (TooLarge, PastEnd):
            return False  # the next read says why
        return not self._buffer

    def _check(self, count: int) -> None:
        if self._consumed + count - self._pickle_begin > MAX_PICKLE_BYTES:
            raise TooLarge

    def read(self, count: int = -1) -> bytes:
        if count < 0:
            raise PastEnd
        self._check(count)
        self._fill(count)
        if len(self._buffer) < count:
            raise PastEnd
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        self._consumed += count
        return data

    def _peek(self, count: int) -> bytes:
        return self.peek(count)

    def skip(self, count: int) -> None:
        if count < 0:
            raise PastEnd
        while count:
            self._fill(min(count, self.CHUNK))
            if not self._buffer:
                raise PastEnd
            step = min(count, len(self._buffer))
            del self._buffer[:step]
            self._consumed += step
            count -= step
        self._pickle_begin = self._consumed


# -- the scan ------------------------------------------------------------------------------


class Scan:
    """One scan: the imports of every pickle it walked, and what it could not walk."""

    def __init__(self) -> None:
        self.imports: Counter[str] = Counter()
        self.calls = 0
        self.opcodes = 0
        self.pickles = 0
        self.protocol: int | None = None
        self.untracked = False
        self.malformed = False  # a stack or memo use no unpickler would accept
        self.not_scanned: list[str] = []
        self.warnings: list[str] = []
        self.containers: list[str] = []
        self.object_arrays = False
        self._persistent: list[Any] = []
        self._pending: list[Call] = []  # joblib wrappers whose bytes follow
        self._depth = 0
        self._kept = 0
        self.strict = False  # stop at the first malformation (deciding whether it is a pickle)
        self.ran_call = False  # a call on an imported callable, with the stack well-formed

    # -- one pickle ------------------------------------------------------------------

    def run(self, source: Source) -> Any:
        """One pickle from the source's position up to and including its STOP; its value."""
        source.begin_pickle()
        stack: list[Any] = []
        memo: dict[int, Any] = {}
        result: Any = _UNKNOWN
        for opcode, arg, _pos in genops(source):
            self.opcodes += 1
            if self.opcodes > MAX_OPCODES:
                raise TooLarge(f"more than {MAX_OPCODES:,} opcodes (the scan limit)")
            if opcode.name == "STOP":
                result = self._pop(stack)
                if stack:
                    self.malformed = True
                break
            calls = self.calls
            self._step(opcode, arg, stack, memo)
            if self.calls > calls and self.imports and not self.malformed:
                self.ran_call = True  # an unpickler would have called something by now
            if self.strict and self.malformed:
                raise ValueError("not a well-formed pickle")
            if len(stack) > MAX_TRACKED:  # hostile depth: keep the top, lose track of the rest
                del stack[: MAX_TRACKED // 2]
                self.untracked = True
            while self._pending:
                self._inline_array(source, self._pending.pop(0))
        return result

    def _pop(self, stack: list[Any]) -> Any:
        if not stack:
            self.untracked = self.malformed = True
            return _UNKNOWN
        value = stack.pop()
        if value is _MARK:
            self.malformed = True
        return value

    def _to_mark(self, stack: list[Any]) -> list[Any]:
        items: list[Any] = []
        while True:
            if not stack:
                self.untracked = self.malformed = True
                break
            value = stack.pop()
            if value is _MARK:
                break
            items.append(value)
        items.reverse()
        return items

    def _keep(self, count: int) -> bool:
        """Whether ``count`` more container entries may be kept. Past ``MAX_KEPT`` values
        are forgotten (memory stays bounded); what needed them (a joblib array's size, a
        legacy storage's type) then cannot be followed and is reported as not scanned."""
        self._kept += count
        return self._kept <= MAX_KEPT

    def _import(self, name: str) -> Global:
        self.imports[name] += 1
        return Global(name)

    def _step(self, opcode: Any, arg: Any, stack: list[Any], memo: dict[int, Any]) -> None:
        name = opcode.name
        if name in _CALL_OPS:
            self.calls += 1
        if name in _STRING_OPS:
            stack.append(arg.decode("latin-1") if isinstance(arg, bytes) else str(arg))
        elif name in _INT_OPS or name in ("FLOAT", "BINFLOAT") or name in _BYTES_OPS:
            stack.append(arg)
        elif name == "NONE":
            stack.append(None)
        elif name in ("NEWTRUE", "NEWFALSE"):
            stack.append(name == "NEWTRUE")
        elif name == "PROTO":
            self.protocol = int(arg)
        elif name == "GLOBAL":
            module, _, attr = str(arg).partition(" ")
            stack.append(self._import(f"{module}.{attr}"))
        elif name == "STACK_GLOBAL":
            attr, module = self._pop(stack), self._pop(stack)
            if isinstance(module, str) and isinstance(attr, str):
                stack.append(self._import(f"{module}.{attr}"))
            else:
                self.untracked = True
                self.imports["<computed at load time>"] += 1
                stack.append(_UNKNOWN)
        elif name == "INST":
            module, _, attr = str(arg).partition(" ")
            stack.append(Call(self._import(f"{module}.{attr}"), tuple(self._to_mark(stack))))
        elif name == "OBJ":
            items = self._to_mark(stack)
            stack.append(Call(items[0] if items else _UNKNOWN, tuple(items[1:])))
        elif name in ("REDUCE", "NEWOBJ"):
            args = self._pop(stack)
            stack.append(Call(self._pop(stack), args))
        elif name == "NEWOBJ_EX":
            self._pop(stack)
            args = self._pop(stack)
            stack.append(Call(self._pop(stack), args))
        elif name == "BUILD":
            state = self._pop(stack)
            target = stack[-1] if stack else self._pop(stack)
            if isinstance(target, Call):
                target.state = state
                if target.of(
                    "joblib.numpy_pickle.NumpyArrayWrapper",
                    "sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper",
                ):
                    self._pending.append(target)
        elif name in ("BINPERSID", "PERSID"):
            pid = self._pop(stack) if name == "BINPERSID" else arg
            if len(self._persistent) < MAX_STORAGES:
                self._persistent.append(pid)
            stack.append(Persistent(pid))
        elif name == "EMPTY_TUPLE":
            stack.append(())
        elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
            count = int(name[-1])
            items = list(reversed([self._pop(stack) for _ in range(count)]))
            stack.append(tuple(items) if self._keep(count) else _UNKNOWN)
        elif name == "TUPLE":
            items = self._to_mark(stack)
            stack.append(tuple(items) if self._keep(len(items)) else _UNKNOWN)
        elif name == "EMPTY_LIST":
            stack.append(_List())
        elif name == "LIST":
            items = self._to_mark(stack)[:MAX_ITEMS]
            stack.append(_List(items) if self._keep(len(items)) else _UNKNOWN)
        elif name in ("APPEND", "APPENDS"):
            items = [self._pop(stack)] if name == "APPEND" else self._to_mark(stack)
            target = stack[-1] if stack else self._pop(stack)
            if isinstance(target, _List):
                items = items[: max(0, MAX_ITEMS - len(target))]
                if self._keep(len(items)):
                    target.extend(items)
        elif name == "EMPTY_DICT":
            stack.append({})
        elif name in ("DICT", "SETITEM", "SETITEMS"):
            if name == "SETITEM":
                value = self._pop(stack)
                items = [self._pop(stack), value]
            else:
                items = self._to_mark(stack)
            mapping: Any = {} if name == "DICT" else (stack[-1] if stack else self._pop(stack))
            if isinstance(mapping, dict) and self._keep(len(items) // 2):
                for key, value in zip(items[::2], items[1::2], strict=False):
                    if len(mapping) < MAX_ITEMS and isinstance(key, str | int | bool | None):
                        mapping[key] = value
            if name == "DICT":
                stack.append(mapping)
        elif name == "MARK":
            stack.append(_MARK)
        elif name == "POP":
            self._pop(stack)
        elif name == "POP_MARK":
            self._to_mark(stack)
        elif name == "DUP":
            stack.append(stack[-1] if stack else self._pop(stack))
        elif name in _MEMO_PUT:
            # The unpickler's MEMOIZE stores at len(memo); -1 keeps that count even when
            # the slots themselves are no longer kept.
            slot = memo.get(-1, 0) if name == "MEMOIZE" else int(arg)
            if slot not in memo:
                memo[-1] = memo.get(-1, 0) + 1
            if not stack:
                self.malformed = True
            if len(memo) < MAX_TRACKED or slot in memo:
                memo[slot] = stack[-1] if stack else _UNKNOWN
        elif name in _MEMO_GET:
            slot = int(arg)
            if slot not in memo and memo.get(-1, 0) < MAX_TRACKED:
                self.malformed = True
            stack.append(memo.get(slot, _UNKNOWN))
        elif name in ("EXT1", "EXT2", "EXT4"):
            self.imports[f"<copyreg extension {arg}>"] += 1
            stack.append(_UNKNOWN)
        else:
            # FRAME, sets, buffers: the generic stack effect from pickletools' own table.
            before = opcode.stack_before
            if pickletools.markobject in before:
                self._to_mark(stack)
                pops = before.index(pickletools.markobject)
            else:
                pops = len(before)
            for _ in range(pops):
                self._pop(stack)
            stack.extend(_UNKNOWN for _ in opcode.stack_after)
        if name in ("REDUCE", "NEWOBJ") and stack and isinstance(stack[-1], Call):
            call = stack[-1]
            if call.of("numpy.dtype") and isinstance(call.args, tuple) and call.args:
                kind = _DTYPE.match(call.args[0]) if isinstance(call.args[0], str) else None
                if kind and kind.group(1) == "O":
                    self.object_arrays = True

    # -- what follows a pickle ---------------------------------------------------------

    def _inline_array(self, source: Source, wrapper: Call) -> None:
        """joblib writes an array's bytes (or, for object arrays, a pickle) right after the
        BUILD of its ``NumpyArrayWrapper``: pass over the bytes, scan the pickle."""
        state = wrapper.state if isinstance(wrapper.state, dict) else {}
        layout = _array_layout(state.get("shape"), state.get("dtype"))
        if layout is None:
            raise _Unfollowable("a joblib array whose size cannot be worked out")
        count, itemsize, has_object = layout
        if has_object:
            self.object_arrays = True
            if self._depth >= MAX_NESTING:
                raise _Unfollowable("joblib object arrays nested too deep")
            self._depth += 1
            try:
                self.run(source)
                self.pickles += 1
            finally:
                self._depth -= 1
            return
        if state.get("numpy_array_alignment_bytes") is not None:
            padding = source.read(1)[0]
            source.skip(padding)
        source.skip(count * itemsize)

    def legacy_storages(self, source: Source, keys: Any) -> None:
        """Legacy ``torch.save``: after its five pickles, each storage named in the last one
        as an 8-byte element count and the raw elements. Passed over, not read."""
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise _Unfollowable("the legacy torch storage list is not a list of keys")
        types: dict[str, int] = {}
        for pid in self._persistent:
            if (
                isinstance(pid, tuple)
                and len(pid) >= 3
                and pid[0] == "storage"
                and isinstance(pid[1], Global)
                and isinstance(pid[2], str)
            ):
                item = STORAGE_ITEM_BYTES.get(canonical(pid[1].name))
                if item is None:
                    raise _Unfollowable(f"a storage of unknown type {pid[1].name[:80]!r}")
                types[pid[2]] = item
        for key in keys:
            if key not in types:
                raise _Unfollowable(f"storage {key[:40]!r} is not referenced by the data pickle")
            (numel,) = struct.unpack("<q", source.read(8))
            if numel < 0:
                raise _Unfollowable(f"storage {key[:40]!r} claims a negative size")
            source.skip(numel * types[key])

    # -- the whole stream --------------------------------------------------------------

    def stream(self, source: Source, *, many: bool, where: str = "") -> None:
        """Scan pickles from the source's position: one, or (``many``) every pickle back to
        back, following legacy torch storages and joblib arrays. Whatever is left that is
        not a readable pickle is recorded in ``not_scanned``."""
        self._stream(source, many=many, where=where)
        if self.untracked and not any(UNTRACKED in item for item in self.not_scanned):
            self.not_scanned.append(f"{where + ': ' if where else ''}{UNTRACKED}")

    def _stream(self, source: Source, *, many: bool, where: str) -> None:
        at = f"{where}: " if where else ""
        values: list[Any] = []
        while not source.at_end():
            start = source.tell()
            if len(values) >= (MAX_PICKLES if many else 1):
                self.not_scanned.append(
                    f"{at}the bytes from {start:,} on"
                    + (f" (more than {MAX_PICKLES} pickles)" if many else " (after the pickle)")
                )
                return
            try:
                value = self.run(source)
            except TooLarge as exc:
                self.not_scanned.append(
                    f"{at}the pickle at byte {start:,}: "
                    + (str(exc) or f"larger than the {MAX_PICKLE_BYTES:,}-byte scan limit")
                )
                return
            except _Unfollowable as exc:
                self.not_scanned.append(f"{at}from byte {start:,}: {exc}")
                return
            except BlobCorrupt:
                raise  # the stored content itself is damaged: not the file's fault
            except PastEnd as exc:
                self.not_scanned.append(
                    f"{at}the pickle at byte {start:,}: "
                    + (str(exc) or "cut short (an opcode asks for more than the file holds)")
                )
                return
            except Exception as exc:  # genops: ValueError, struct.error, UnicodeDecodeError
                what = "pickle" if not values else "bytes after the last pickle"
                self.not_scanned.append(
                    f"{at}the {what} at byte {start:,}: not readable ({type(exc).__name__})"
                )
                return
            self.pickles += 1
            values.append(value)
            if many and len(values) == 5 and values[0] == LEGACY_TORCH_MAGIC:
                self.containers.append("legacy torch.save")
                try:
                    self.legacy_storages(source, value)
                except (_Unfollowable, PastEnd, TooLarge) as exc:
                    detail = str(exc) or "the storages run past the end of the file"
                    self.not_scanned.append(f"{at}storage data at byte {start:,}: {detail}")
                    return

    # -- the summary -------------------------------------------------------------------

    def listing(self) -> list[dict[str, Any]]:
        return [
            {"callable": name, "count": n, "risk": risk(name)}
            for name, n in sorted(self.imports.items())
        ]

    def verdict(self) -> str:
        return verdict_of(
            [risk(name) for name in self.imports],
            incomplete=bool(self.not_scanned) or self.untracked,
        )

    def summary(self) -> dict[str, Any]:
        imports = self.listing()
        return {
            "format": "pickle",
            "danger": "can-run-code",
            "verdict": self.verdict(),
            "protocol": self.protocol,
            "pickles": self.pickles,
            "opcodes": self.opcodes,
            "calls": self.calls,
            "imports": imports[:200],
            "not_scanned": self.not_scanned[:50],
            "warnings": warnings_for(imports, self),
        }


UNTRACKED = "part of the operand stack could not be followed (imports computed at load time)"


class _Unfollowable(Exception):
    """Raw bytes between pickles whose length cannot be worked out."""


def verdict_of(risks: list[str], *, incomplete: bool) -> str:
    if "dangerous" in risks:
        return "dangerous"
    if "unknown" in risks:
        return "unknown-imports"
    return "incomplete" if incomplete else "expected"


def warnings_for(imports: list[dict[str, Any]], scan: Scan) -> list[str]:
    dangerous = [str(i["callable"]) for i in imports if i["risk"] == "dangerous"]
    unknown = [str(i["callable"]) for i in imports if i["risk"] == "unknown"]
    warnings = ["Pickle: loading this file can run arbitrary code. It was not loaded."]
    if dangerous:
        warnings.append("DANGER: it would import " + ", ".join(dangerous[:10]) + " when loaded.")
    if unknown:
        warnings.append(
            "CAN RUN CODE: it would import callables outside the tensor-rebuild allow-list: "
            + ", ".join(unknown[:10])
            + ("…" if len(unknown) > 10 else "")
        )
    if scan.untracked:
        warnings.append("Some imports are computed at load time and could not be named.")
    for item in scan.not_scanned[:10]:
        warnings.append(f"NOT SCANNED: {item}; what it holds is unknown and may run code.")
    if scan.object_arrays:
        warnings.append(
            "It holds NumPy object arrays: their elements are pickled objects (scanned above)."
        )
    warnings.extend(scan.warnings)
    return warnings


def _array_layout(shape: Any, dtype: Any) -> tuple[int, int, bool] | None:
    """(element count, bytes per element, holds objects) of a pickled array, if plain."""
    if not isinstance(shape, tuple) or len(shape) > 64:
        return None
    if not all(type(d) is int and d >= 0 for d in shape):
        return None
    count = 1
    for d in shape:
        count *= d
    described = _dtype_layout(dtype, 0)
    if described is None:
        return None
    itemsize, has_object = described
    return count, itemsize, has_object


def _dtype_layout(dtype: Any, depth: int) -> tuple[int, bool] | None:
    if depth > 8 or not isinstance(dtype, Call) or not dtype.of("numpy.dtype"):
        return None
    args = dtype.args
    if not isinstance(args, tuple) or not args or not isinstance(args[0], str):
        return None
    match = _DTYPE.match(args[0])
    if match is None:
        return None
    kind, digits = match.group(1), match.group(2)
    state = dtype.state if isinstance(dtype.state, tuple) else ()
    elsize = state[5] if len(state) > 5 and type(state[5]) is int and state[5] > 0 else None
    if kind == "O":
        return 8, True
    if kind == "V" and len(state) > 4 and (state[2] is not None or state[4] is not None):
        # Structured or subarray dtype: objects anywhere inside make it an object array.
        nested = [state[2][0]] if isinstance(state[2], tuple) and state[2] else []
        if isinstance(state[4], dict):
            nested += [f[0] for f in state[4].values() if isinstance(f, tuple) and f]
        for inner in nested:
            layout = _dtype_layout(inner, depth + 1)
            if layout is None:
                return None
            if layout[1]:
                return 8, True
    if elsize is not None:
        return elsize, False
    if not digits:
        return None
    size = int(digits)
    return (size * 4 if kind == "U" else size), False


def parses_as_pickle(stream: BinaryIO, size: int) -> bool:
    """Whether content without the PROTO opcode (protocol 0 and 1 have no magic) reads as a
    well-formed pickle (``source_parses``)."""
    return source_parses(Source(stream, 0, size))


def source_parses(source: Source) -> bool:
    """Whether the source starts with a pickle: a STOP reached with every stack and memo use
    one an unpickler would accept, or, before anything malformed, a call on an imported
    callable (an unpickler would have run it before failing). Text almost never does; the
    first bytes usually decide."""
    scan = Scan()
    scan.strict = True
    try:
        scan.run(source)
    except TooLarge:
        return not scan.malformed or scan.ran_call  # well-formed as far as the limit
    except BlobCorrupt:
        raise
    except Exception:
        return scan.ran_call
    return not scan.malformed or scan.ran_call


def runs_code(stream: BinaryIO, size: int) -> bool:
    """Whether an unpickler fed this content would call an imported callable (before it
    fails, if it fails): the test for a polyglot, a file that reads as another format and
    as a pickle."""
    scan = Scan()
    scan.strict = True
    try:
        scan.run(Source(stream, 0, size))
    except BlobCorrupt:
        raise
    except Exception:
        return scan.ran_call  # an unpickler fails here too, after what it already called
    return scan.ran_call


def scan_bytes(data: bytes, *, many: bool = False) -> dict[str, Any]:
    """The summary of one pickle (or, with ``many``, several back to back) in memory."""
    scan = Scan()
    scan.stream(Source(io.BytesIO(data), 0, len(data)), many=many)
    return scan.summary()


def inspect(stream: BinaryIO, size: int) -> dict[str, Any]:
    """A file of pickles: plain, dill or cloudpickle, legacy ``torch.save``, joblib."""
    stream.seek(0)
    proto = looks_like(stream.read(2) or b"")
    scan = Scan()
    scan.stream(Source(stream, 0, size), many=True)
    if scan.pickles == 0 and not scan.imports and not proto:
        raise InputError("The file is not a readable pickle.")
    summary = scan.summary()
    summary["kind"] = "weights"
    if "joblib.numpy_pickle.NumpyArrayWrapper" in scan.imports:
        scan.containers.append("joblib")
    if scan.containers:
        summary["container"] = ", ".join(scan.containers)
    return summary
