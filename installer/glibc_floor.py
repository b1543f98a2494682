"""The glibc a folder of ELF files needs: the highest GLIBC_ version each file requires.

Usage:

    python installer/glibc_floor.py [--max 2.31] FOLDER

Prints every ELF file that requires a GLIBC_ symbol version, highest first, with that version,
then the floor of the whole folder. With --max, exits 1 if any file needs a newer version than
that (the check of `make dist-bullseye`: the bundle must start on glibc 2.31).

What a file "needs" is read from its version-needs section (SHT_GNU_verneed, `.gnu.version_r`,
what `readelf --version-info` prints under "Version needs"): the versions the dynamic linker
checks against the libraries it loads, and refuses to start with when one is missing. Versions a
file itself defines (a bundled library's own symbol versions) are not requirements. Standard
library only, no binutils: 64- and 32-bit, little- and big-endian ELF.
"""

from __future__ import annotations

import argparse
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

ELF_MAGIC = b"\x7fELF"
SHT_GNU_VERNEED = 0x6FFFFFFE
GLIBC_PREFIX = "GLIBC_"

Version = tuple[int, ...]


class ElfError(Exception):
    """A file that starts like an ELF file but cannot be read as one."""


@dataclass(frozen=True)
class Need:
    library: str  # the soname the version is required from (libc.so.6, libm.so.6, ...)
    version: str  # GLIBC_2.34


def parse_version(text: str) -> Version:
    """'2.31' or 'GLIBC_2.2.5' -> (2, 31) / (2, 2, 5)."""
    raw = text.removeprefix(GLIBC_PREFIX)
    try:
        parts = tuple(int(p) for p in raw.split("."))
    except ValueError:
        raise ValueError(f"not a glibc version: {text!r}") from None
    if len(parts) < 2:
        raise ValueError(f"not a glibc version: {text!r}")
    return parts


def format_version(version: Version) -> str:
    return ".".join(str(p) for p in version)


def version_needs(data: bytes) -> list[Need]:
    """Every (library, version) pair in the version-needs sections of one ELF image."""
    if data[:4] != ELF_MAGIC or len(data) < 0x34:
        raise ElfError("not an ELF file")
    elf_class, encoding = data[4], data[5]
    if elf_class not in (1, 2) or encoding not in (1, 2):
        raise ElfError(f"unknown ELF class/encoding {elf_class}/{encoding}")
    end = "<" if encoding == 1 else ">"
    is64 = elf_class == 2
    try:
        if is64:
            shoff, shentsize, shnum = (
                struct.unpack_from(end + "Q", data, 0x28)[0],
                *struct.unpack_from(end + "HH", data, 0x3A),
            )
        else:
            shoff, shentsize, shnum = (
                struct.unpack_from(end + "I", data, 0x20)[0],
                *struct.unpack_from(end + "HH", data, 0x2E),
            )
        sections = []
        for i in range(shnum):
            base = shoff + i * shentsize
            if is64:
                _, sh_type, _, _, offset, size, link, info = struct.unpack_from(
                    end + "IIQQQQII", data, base
                )
            else:
                _, sh_type, _, _, offset, size, link, info = struct.unpack_from(
                    end + "IIIIIIII", data, base
                )
            sections.append((sh_type, offset, size, link, info))
        needs: list[Need] = []
        for sh_type, offset, _size, link, count in sections:
            if sh_type != SHT_GNU_VERNEED:
                continue
            strtab = sections[link][1]
            entry = offset
            for _ in range(count):
                _vn_version, vn_cnt, vn_file, vn_aux, vn_next = struct.unpack_from(
                    end + "HHIII", data, entry
                )
                library = _string(data, strtab + vn_file)
                aux = entry + vn_aux
                for _ in range(vn_cnt):
                    _hash, _flags, _other, vna_name, vna_next = struct.unpack_from(
                        end + "IHHII", data, aux
                    )
                    needs.append(Need(library, _string(data, strtab + vna_name)))
                    if not vna_next:
                        break
                    aux += vna_next
                if not vn_next:
                    break
                entry += vn_next
        return needs
    except (struct.error, IndexError) as exc:
        raise ElfError(f"truncated or malformed ELF ({exc})") from None


def _string(data: bytes, offset: int) -> str:
    stop = data.index(b"\0", offset)
    return data[offset:stop].decode("ascii", "replace")


def glibc_needed(path: Path) -> Version | None:
    """The highest GLIBC_ version the ELF file at path requires, or None if it requires none."""
    versions = [
        parse_version(n.version)
        for n in version_needs(path.read_bytes())
        if n.version.startswith(GLIBC_PREFIX) and n.version[len(GLIBC_PREFIX) :][:1].isdigit()
    ]
    return max(versions) if versions else None


def is_elf(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == ELF_MAGIC


def scan(root: Path) -> dict[Path, Version]:
    """Each ELF file under root (symlinks not followed) that requires a GLIBC_ version."""
    found: dict[Path, Version] = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink() or not path.is_file() or not is_elf(path):
            continue
        try:
            version = glibc_needed(path)
        except ElfError as exc:
            raise ElfError(f"{path}: {exc}") from None
        if version is not None:
            found[path] = version
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--max", help="fail if a file needs a newer GLIBC_ version (e.g. 2.31)")
    args = parser.parse_args(argv)
    try:
        limit = parse_version(args.max) if args.max else None
    except ValueError as exc:
        print(f"glibc_floor: --max: {exc}", file=sys.stderr)
        return 2
    if not args.folder.is_dir():
        print(f"glibc_floor: no folder at {args.folder}", file=sys.stderr)
        return 2
    try:
        found = scan(args.folder)
    except ElfError as exc:
        print(f"glibc_floor: {exc}", file=sys.stderr)
        return 2
    for path, version in sorted(found.items(), key=lambda kv: (kv[1], str(kv[0])), reverse=True):
        mark = "  TOO NEW" if limit is not None and version > limit else ""
        print(f"GLIBC_{format_version(version):8} {path.relative_to(args.folder)}{mark}")
    floor = max(found.values(), default=None)
    shown = format_version(floor) if floor else "none"
    print(
        f"glibc floor of {args.folder}: {shown} ({len(found)} ELF files require a GLIBC_ version)"
    )
    if limit is not None and floor is not None and floor > limit:
        too_new = sum(1 for v in found.values() if v > limit)
        print(
            f"glibc_floor: {too_new} files need a glibc newer than {format_version(limit)}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
