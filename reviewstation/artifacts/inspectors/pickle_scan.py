"""Pickles, statically: which callables a pickle would import and call. Never unpickled.

Loading a pickle runs whatever its GLOBAL / STACK_GLOBAL opcodes import and REDUCE / INST /
OBJ / NEWOBJ / BUILD call. We walk the opcodes with ``pickletools.genops`` and follow the
operand stack symbolically (strings and memo slots only), so the module and name that
STACK_GLOBAL takes from the stack are recovered too. Any pickle is flagged as able to run
code; each import is classed as expected (the tensor-rebuild helpers PyTorch checkpoints
use), dangerous (process, file, eval, import machinery) or unknown.
"""

from __future__ import annotations

import io
import pickletools
from collections import Counter
from typing import Any, BinaryIO

from reviewstation.errors import InputError

MAX_PICKLE_BYTES = 64 * 1024 * 1024
MAX_PICKLES = 8  # legacy torch.save writes several pickles back to back
MAX_OPCODES = 20_000_000
MAX_TRACKED = 100_000  # symbolic stack entries and memo slots kept

EXPECTED = frozenset(
    {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_tensor_v3",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
        "torch._utils._rebuild_qtensor",
        "torch._utils._rebuild_sparse_tensor",
        "torch._utils._rebuild_device_tensor_from_numpy",
        "torch._tensor._rebuild_from_type_v2",
        "torch.device",
        "torch.Size",
        "torch.serialization._get_layout",
        "torch.nn.parameter.Parameter",
        "numpy.core.multiarray._reconstruct",
        "numpy._core.multiarray._reconstruct",
        "numpy.ndarray",
        "numpy.dtype",
        "numpy.core.multiarray.scalar",
        "numpy._core.multiarray.scalar",
        "builtins.set",
        "builtins.frozenset",
        "builtins.slice",
        "builtins.complex",
        "_codecs.encode",
        "__builtin__.set",
    }
)
_TORCH_STORAGE = ("torch.", "Storage")
DANGEROUS_MODULES = frozenset(
    {
        "os",
        "posix",
        "nt",
        "subprocess",
        "sys",
        "shutil",
        "socket",
        "runpy",
        "importlib",
        "pty",
        "commands",
        "webbrowser",
        "ctypes",
        "multiprocessing",
        "code",
        "codeop",
        "marshal",
        "pickle",
        "_pickle",
        "cPickle",
        "dill",
        "shelve",
        "tempfile",
        "pathlib",
        "io",
        "_io",
        "urllib",
        "http",
        "requests",
        "asyncio",
        "threading",
        "signal",
        "platform",
        "pip",
        "setuptools",
        "torch.hub",
        "torch.jit",
        "torch.package",
    }
)
DANGEROUS_BUILTINS = frozenset(
    {
        "eval",
        "exec",
        "compile",
        "open",
        "__import__",
        "getattr",
        "setattr",
        "delattr",
        "globals",
        "locals",
        "vars",
        "input",
        "breakpoint",
        "help",
        "memoryview",
        "type",
        "object",
        "apply",
        "execfile",
        "file",
        "reload",
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
_CALL_OPS = frozenset({"REDUCE", "INST", "OBJ", "NEWOBJ", "NEWOBJ_EX", "BUILD"})
_MARK = object()
_UNKNOWN = object()


def risk(callable_name: str) -> str:
    if callable_name in EXPECTED:
        return "expected"
    if callable_name.startswith(_TORCH_STORAGE[0]) and callable_name.endswith(_TORCH_STORAGE[1]):
        return "expected"
    module, _, name = callable_name.rpartition(".")
    root = module.split(".")[0]
    if module in ("builtins", "__builtin__", "__builtins__") and name in DANGEROUS_BUILTINS:
        return "dangerous"
    if module in DANGEROUS_MODULES or root in DANGEROUS_MODULES:
        return "dangerous"
    return "unknown"


def looks_like(head: bytes) -> bool:
    """Protocol 2+ pickles start with PROTO; older ones are recognised by the extension."""
    return len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5


class _Scan:
    def __init__(self) -> None:
        self.imports: Counter[str] = Counter()
        self.calls = 0
        self.opcodes = 0
        self.protocol: int | None = None
        self.untracked = False

    def run(self, data: Any) -> None:
        """One pickle from the stream's position up to and including its STOP."""
        stack: list[Any] = []
        memo: dict[int, Any] = {}
        for opcode, arg, _pos in pickletools.genops(data):
            self.opcodes += 1
            if self.opcodes > MAX_OPCODES:
                raise InputError(f"The pickle has more than {MAX_OPCODES} opcodes.")
            self._step(opcode, arg, stack, memo)
            if len(stack) > MAX_TRACKED:  # hostile depth: keep the top, lose track of the rest
                del stack[: MAX_TRACKED // 2]
                self.untracked = True

    def _step(self, opcode: Any, arg: Any, stack: list[Any], memo: dict[int, Any]) -> None:
        name = opcode.name
        if name == "PROTO":
            self.protocol = int(arg)
            return
        if name in _CALL_OPS:
            self.calls += 1
        if name == "GLOBAL" or name == "INST":
            module, _, attr = str(arg).partition(" ")
            self.imports[f"{module}.{attr}"] += 1
        elif name == "STACK_GLOBAL":
            top: Any = stack.pop() if stack else _UNKNOWN
            below: Any = stack.pop() if stack else _UNKNOWN
            if isinstance(below, str) and isinstance(top, str):
                self.imports[f"{below}.{top}"] += 1
            else:
                self.untracked = True
                self.imports["<computed at load time>"] += 1
            stack.append(_UNKNOWN)
            return
        if name in _STRING_OPS:
            value = arg.decode("latin-1") if isinstance(arg, bytes) else str(arg)
            stack.append(value)
            return
        if name in ("PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"):
            # The unpickler's MEMOIZE stores at len(memo); -1 keeps that count even when
            # the slots themselves are no longer kept.
            slot = memo.get(-1, 0) if name == "MEMOIZE" else int(arg)
            if slot not in memo:
                memo[-1] = memo.get(-1, 0) + 1
            if len(memo) < MAX_TRACKED or slot in memo:
                memo[slot] = stack[-1] if stack else _UNKNOWN
            return
        if name in ("GET", "BINGET", "LONG_BINGET"):
            stack.append(memo.get(int(arg), _UNKNOWN))
            return
        if name == "MARK":
            stack.append(_MARK)
            return
        if name in ("EXT1", "EXT2", "EXT4"):
            self.imports[f"<copyreg extension {arg}>"] += 1
        # Generic stack effect from pickletools' own opcode table.
        before = opcode.stack_before
        if pickletools.markobject in before:
            while True:
                if not stack:
                    self.untracked = True
                    break
                if stack.pop() is _MARK:
                    break
            pops = before.index(pickletools.markobject)
        else:
            pops = len(before)
        for _ in range(pops):
            if not stack:
                self.untracked = True
                break
            stack.pop()
        stack.extend(_UNKNOWN for _ in opcode.stack_after)


class _TooLarge(Exception):
    """The scan reached MAX_PICKLE_BYTES."""


class _PastEnd(Exception):
    """An opcode declared more bytes than the file holds (a cut or corrupt file, or raw
    bytes after the last pickle)."""


class _Bounded:
    """What genops reads from: at most ``limit`` bytes in all, refused before allocating."""

    def __init__(self, stream: BinaryIO, size: int) -> None:
        self._stream = stream
        self._limit = min(size, MAX_PICKLE_BYTES)
        self._capped = size > MAX_PICKLE_BYTES
        self._start = stream.tell()

    def tell(self) -> int:
        return self._stream.tell() - self._start

    def read(self, count: int = -1) -> bytes:
        if count < 0 or self.tell() + count > self._limit:
            raise _TooLarge if self._capped else _PastEnd
        return self._stream.read(count) or b""

    def readline(self) -> bytes:
        line = b""
        while not line.endswith(b"\n"):
            if len(line) > 65_536:
                raise _PastEnd
            byte = self.read(1)
            if not byte:
                break
            line += byte
        return line


def scan_bytes(data: bytes, *, many: bool = False) -> dict[str, Any]:
    """Scan one pickle (or, with ``many``, several back to back, as legacy torch.save writes)."""
    return scan_stream(io.BytesIO(data), len(data), many=many)


def scan_stream(stream: BinaryIO, size: int, *, many: bool = False) -> dict[str, Any]:
    """Scan from the stream's position, reading at most MAX_PICKLE_BYTES of it."""
    bounded = _Bounded(stream, size)
    scan = _Scan()
    count = 0
    error = None
    while count < (MAX_PICKLES if many else 1) and bounded.tell() < size:
        start = bounded.tell()
        try:
            scan.run(bounded)
        except InputError:
            raise
        except _TooLarge:
            error = f"larger than the {MAX_PICKLE_BYTES}-byte scan limit"
            break
        except _PastEnd:
            # After the pickles of a legacy torch file come its raw storage bytes: reading
            # them as opcodes may run off the end, which says nothing about the pickles.
            if count == 0 or not many:
                error = f"cut short at byte {start}+: an opcode asks for more than the file holds"
            break
        except Exception as exc:  # genops: ValueError, struct.error, UnicodeDecodeError, ...
            if count == 0 or not many:
                error = f"malformed at byte {start}+: {type(exc).__name__}"
            break
        count += 1
    if count == 0 and not scan.imports and error is not None:
        raise InputError("The file is not a readable pickle.")
    imports: list[dict[str, Any]] = [
        {"callable": name, "count": n, "risk": risk(name)}
        for name, n in sorted(scan.imports.items())
    ]
    dangerous = [str(i["callable"]) for i in imports if i["risk"] == "dangerous"]
    unknown = [str(i["callable"]) for i in imports if i["risk"] == "unknown"]
    warnings = ["Pickle: loading this file can run arbitrary code. It was not loaded."]
    if dangerous:
        warnings.append("DANGER: it would import " + ", ".join(dangerous[:10]) + " when loaded.")
    if scan.untracked:
        warnings.append("Some imports are computed at load time and could not be named.")
    if error:
        warnings.append(f"The pickle is {error}; the list of imports may be incomplete.")
    return {
        "format": "pickle",
        "danger": "can-run-code",
        "verdict": "dangerous" if dangerous else ("unknown-imports" if unknown else "expected"),
        "protocol": scan.protocol,
        "pickles": count,
        "opcodes": scan.opcodes,
        "calls": scan.calls,
        "imports": imports[:200],
        "warnings": warnings,
    }


def inspect(stream: BinaryIO, size: int) -> dict[str, Any]:
    stream.seek(0)
    summary = scan_stream(stream, size, many=True)
    summary["kind"] = "weights"
    return summary
