"""NumPy arrays: ``.npy`` (a magic, a header that is a Python literal, then the data) and
``.npz`` (a ZIP of ``.npy`` members).

The header is read as a literal (``ast.literal_eval``, never code): dtype, shape and memory
order are shown, and the data size they imply is checked against the file (``trusted``). An
array of objects stores a pickle after its header: such files never reach this module's
summary, they are scanned as pickles (``containers.scan_npy``; in an ``.npz``, the archive
scan) and say CAN-RUN-CODE with the callables named.
"""

from __future__ import annotations

import zipfile
from typing import Any, BinaryIO

from reviewstation import ziparchive
from reviewstation.artifacts.inspectors import containers
from reviewstation.artifacts.inspectors.common import clip, printable
from reviewstation.errors import InputError

MAX_ARRAYS = 10_000  # npz members whose headers are read
MAX_LISTED = 200
_SIMPLE = containers.PLAIN_DESCR


def itemsize(descr: Any, depth: int = 0) -> int | None:
    """Bytes per element of a NumPy ``descr``, or None when it is not understood."""
    if depth > 16:
        return None
    if isinstance(descr, str):
        match = _SIMPLE.match(descr)
        if match is None:
            return None
        kind, digits = match.group(1), match.group(2)
        if kind == "?":
            return 1
        if not digits:
            return None
        return int(digits) * (4 if kind == "U" else 1)
    if isinstance(descr, list) and descr:
        total = 0
        for item in descr:
            if not isinstance(item, tuple | list) or len(item) not in (2, 3):
                return None
            size = itemsize(item[1], depth + 1)
            if size is None:
                return None
            if len(item) == 3:
                count = _elements(item[2])
                if count is None:
                    return None
                size *= count
            total += size
        return total
    return None


def _elements(shape: Any) -> int | None:
    if isinstance(shape, int) and not isinstance(shape, bool) and shape >= 0:
        return shape
    if not isinstance(shape, tuple) or len(shape) > 64:
        return None
    count = 1
    for dim in shape:
        if not isinstance(dim, int) or isinstance(dim, bool) or dim < 0:
            return None
        count *= dim
    return count


def dtype_text(descr: Any) -> str:
    if isinstance(descr, str):
        return printable(descr.encode(), 80)
    if isinstance(descr, list):
        return f"structured ({len(descr)} fields)"
    return "?"


def describe(header: containers.NpyHeader, size: int) -> dict[str, Any]:
    """What a plain array's header says, checked against the bytes that follow it."""
    problems = []
    count = _elements(header.shape)
    if count is None:
        problems.append("the shape is not a tuple of sizes")
    if not isinstance(header.fortran_order, bool):
        problems.append("fortran_order is not true or false")
    per = itemsize(header.descr)
    if per is None:
        problems.append(f"the dtype {dtype_text(header.descr)!r} is not one NumPy writes")
    out: dict[str, Any] = {
        "dtype": dtype_text(header.descr),
        "shape": clip(list(header.shape)) if isinstance(header.shape, tuple) else None,
        "fortran_order": header.fortran_order if isinstance(header.fortran_order, bool) else None,
    }
    if isinstance(header.descr, list):
        out["fields"] = clip(header.descr, items=MAX_LISTED, depth=4)
    if count is not None:
        out["elements"] = count
    if count is not None and per is not None:
        out["data_bytes"] = count * per
        actual = size - header.data_offset
        if actual != count * per:
            problems.append(
                f"the header implies {count * per:,} data bytes but the file has {actual:,}"
            )
    out["trusted"] = not problems
    out["problems"] = problems
    return out


def inspect_npy(stream: BinaryIO, size: int) -> dict[str, Any] | None:
    """A plain array's summary; None for an object array (a pickle: scanned elsewhere)."""
    stream.seek(0)
    header = containers.npy_header(stream.read(min(size, containers.MAX_NPY_HEADER + 16)) or b"")
    if header.has_object:
        return None
    described = describe(header, size)
    summary: dict[str, Any] = {"format": "npy", "kind": "other", "version": header.version}
    summary.update(described)
    summary["header_bytes"] = header.data_offset
    summary["warnings"] = ["NumPy array of plain values: data, not code."] + [
        f"Header problem: {p}." for p in described["problems"]
    ]
    return summary


def looks_like_npz(names: list[str], ext: str) -> bool:
    files = [n for n in names if not n.endswith("/")]
    return ext == ".npz" or (bool(files) and all(n.endswith(".npy") for n in files))


def inspect_npz(archive: zipfile.ZipFile) -> dict[str, Any]:
    """An ``.npz`` whose members hold no pickle (the archive scan found none): each array's
    header; members that are not arrays are problems."""
    infos = [i for i in archive.infolist() if not i.filename.endswith("/")]
    arrays: list[dict[str, Any]] = []
    problems: list[str] = []
    for index, info in enumerate(infos):
        name = info.filename[:300]
        if index >= MAX_ARRAYS:
            problems.append(f"{len(infos) - index:,} members not read (over {MAX_ARRAYS:,})")
            break
        try:
            head = _member_head(archive, info)
            header = containers.npy_header(head)
        except InputError as exc:
            problems.append(f"{name}: {exc}")
            continue
        except ziparchive.ZIP_ERRORS as exc:
            problems.append(f"{name}: unreadable ({type(exc).__name__})")
            continue
        entry = {"name": name.removesuffix(".npy")}
        entry.update(describe(header, info.file_size))
        for problem in entry.pop("problems"):
            problems.append(f"{name}: {problem}")
        if len(arrays) < MAX_LISTED:
            arrays.append(entry)
    warnings = ["NumPy .npz of plain arrays: data, not code (no member holds a pickle)."]
    warnings += [f"Problem: {p}." for p in problems[:20]]
    return {
        "format": "npz",
        "kind": "other",
        "arrays": arrays,
        "array_count": len(infos),
        "trusted": not problems,
        "problems": problems[:MAX_LISTED],
        "warnings": warnings,
    }


def _member_head(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.flag_bits & 0x1:
        raise InputError("encrypted, so not read")
    if info.compress_type == ziparchive.ZSTD:
        return ziparchive.read_member(archive, info, containers.MAX_NPY_HEADER + 16)[
            : containers.MAX_NPY_HEADER + 16
        ]
    with archive.open(info) as member:
        head = member.read(12)
        if not head.startswith(containers.NPY_MAGIC) or len(head) < 12:
            raise InputError("not a NumPy array")
        length = int.from_bytes(head[8:10] if head[6] == 1 else head[8:12], "little")
        return head + member.read(min(length, containers.MAX_NPY_HEADER + 4))
