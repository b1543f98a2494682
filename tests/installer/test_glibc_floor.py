"""installer/glibc_floor.py: the glibc check of `make dist-bullseye` (default suite, no bundle).

Synthetic ELF files are written here byte by byte (a string table and a version-needs section,
64- and 32-bit, little- and big-endian), so the check is tested on known requirements; real
system libraries are compared with readelf where binutils is installed.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "installer" / "glibc_floor.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("glibc_floor", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["glibc_floor"] = module
    spec.loader.exec_module(module)
    return module


floor = load_script()


def synthetic_elf(needs: dict[str, list[str]], *, is64: bool = True, little: bool = True) -> bytes:
    """An ELF image whose only content is a .dynstr and a .gnu.version_r naming `needs`."""
    end = "<" if little else ">"
    strtab = bytearray(b"\0")
    offsets: dict[str, int] = {}
    for name in [*needs, *(v for vs in needs.values() for v in vs)]:
        if name not in offsets:
            offsets[name] = len(strtab)
            strtab += name.encode() + b"\0"
    verneed = bytearray()
    libraries = list(needs.items())
    for i, (library, versions) in enumerate(libraries):
        aux_size = 16 * len(versions)
        next_entry = 0 if i == len(libraries) - 1 else 16 + aux_size
        verneed += struct.pack(end + "HHIII", 1, len(versions), offsets[library], 16, next_entry)
        for j, version in enumerate(versions):
            next_aux = 0 if j == len(versions) - 1 else 16
            verneed += struct.pack(end + "IHHII", 0, 0, 2 + j, offsets[version], next_aux)
    header_size = 64 if is64 else 52
    strtab_off = header_size
    verneed_off = strtab_off + len(strtab)
    shoff = verneed_off + len(verneed)
    shentsize = 64 if is64 else 40
    ident = b"\x7fELF" + bytes([2 if is64 else 1, 1 if little else 2, 1]) + bytes(9)
    if is64:
        header = ident + struct.pack(
            end + "HHIQQQIHHHHHH", 3, 62, 1, 0, 0, shoff, 0, 64, 0, 0, shentsize, 3, 1
        )
        section = end + "IIQQQQIIQQ"
    else:
        header = ident + struct.pack(
            end + "HHIIIIIHHHHHH", 3, 3, 1, 0, 0, shoff, 0, 52, 0, 0, shentsize, 3, 1
        )
        section = end + "IIIIIIIIII"
    sections = struct.pack(section, *([0] * 10))
    sections += struct.pack(section, 0, 3, 0, 0, strtab_off, len(strtab), 0, 0, 1, 0)
    sections += struct.pack(
        section, 0, 0x6FFFFFFE, 2, 0, verneed_off, len(verneed), 1, len(libraries), 4, 0
    )
    assert len(header) == header_size
    return header + bytes(strtab) + bytes(verneed) + sections


CASES = [
    # (needs, highest GLIBC_ version required or None)
    ({"libc.so.6": ["GLIBC_2.2.5", "GLIBC_2.34", "GLIBC_2.17"]}, (2, 34)),
    ({"libm.so.6": ["GLIBC_2.29"], "libc.so.6": ["GLIBC_2.4", "GLIBC_PRIVATE"]}, (2, 29)),
    # Versions of other libraries are not glibc's, however high.
    ({"libstdc++.so.6": ["GLIBCXX_3.4.30", "CXXABI_1.3.13"], "libc.so.6": ["GLIBC_2.14"]}, (2, 14)),
    ({"libQt6Core.so.6": ["Qt_6"]}, None),
    ({}, None),
]


@pytest.mark.parametrize("is64", [True, False], ids=["elf64", "elf32"])
@pytest.mark.parametrize("little", [True, False], ids=["le", "be"])
@pytest.mark.parametrize(("needs", "expected"), CASES)
def test_highest_glibc_version_required(
    tmp_path: Path,
    needs: dict[str, list[str]],
    expected: tuple[int, ...] | None,
    is64: bool,
    little: bool,
) -> None:
    path = tmp_path / "lib.so"
    path.write_bytes(synthetic_elf(needs, is64=is64, little=little))
    assert floor.glibc_needed(path) == expected
    listed = [(n.library, n.version) for n in floor.version_needs(path.read_bytes())]
    assert listed == [(lib, v) for lib, versions in needs.items() for v in versions]


def test_versions_compare_as_numbers() -> None:
    assert floor.parse_version("GLIBC_2.2.5") < floor.parse_version("2.9")
    assert floor.parse_version("2.9") < floor.parse_version("2.31") < floor.parse_version("2.34")
    with pytest.raises(ValueError, match="not a glibc version"):
        floor.parse_version("2")
    with pytest.raises(ValueError, match="not a glibc version"):
        floor.parse_version("GLIBC_PRIVATE")


def bundle(tmp_path: Path) -> Path:
    root = tmp_path / "bundle"
    (root / "_internal" / "sub").mkdir(parents=True)
    (root / "app").write_bytes(synthetic_elf({"libc.so.6": ["GLIBC_2.2.5", "GLIBC_2.17"]}))
    (root / "_internal" / "libnew.so").write_bytes(
        synthetic_elf({"libc.so.6": ["GLIBC_2.34"], "libm.so.6": ["GLIBC_2.29"]})
    )
    (root / "_internal" / "sub" / "old.so").write_bytes(
        synthetic_elf({"libm.so.6": ["GLIBC_2.31"]})
    )
    (root / "_internal" / "data.json").write_text("{}")
    (root / "_internal" / "link.so").symlink_to("libnew.so")
    return root


def test_check_fails_on_a_file_newer_than_the_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = bundle(tmp_path)
    assert floor.main(["--max", "2.31", str(root)]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    # Highest first, one line per ELF file that needs glibc; the symlink and the JSON are skipped.
    assert lines[0].split() == ["GLIBC_2.34", "_internal/libnew.so", "TOO", "NEW"]
    assert lines[1].split() == ["GLIBC_2.31", "_internal/sub/old.so"]
    assert lines[2].split() == ["GLIBC_2.17", "app"]
    assert "floor" in lines[3] and "2.34" in lines[3] and "(3 ELF files" in lines[3]
    assert err.strip() == "glibc_floor: 1 files need a glibc newer than 2.31"


def test_check_passes_at_or_above_the_floor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = bundle(tmp_path)
    (root / "_internal" / "libnew.so").unlink()
    assert floor.main(["--max", "2.31", str(root)]) == 0
    assert "TOO NEW" not in capsys.readouterr().out
    assert floor.main(["--max", "2.34", str(bundle(tmp_path / "again"))]) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--max", "2.31", "missing"], "glibc_floor: no folder at"),
        (["--max", "two", "."], "glibc_floor: --max: not a glibc version"),
        (["--max", "2.31", "truncated"], "glibc_floor: "),
    ],
)
def test_bad_input_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    (tmp_path / "truncated").mkdir()
    (tmp_path / "truncated" / "lib.so").write_bytes(
        synthetic_elf({"libc.so.6": ["GLIBC_2.3"]})[:80]
    )
    args = [str(tmp_path / a) if a in ("missing", "truncated") else a for a in args]
    assert floor.main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


def system_elf_files() -> list[Path]:
    found = []
    for folder in (Path(sys.base_prefix) / "lib", Path("/usr/lib/x86_64-linux-gnu")):
        if folder.is_dir():
            found += sorted(p for p in folder.glob("lib*.so*") if p.is_file())[:40]
    found += [Path(p) for p in ("/usr/bin/ls", "/bin/ls") if Path(p).is_file()][:1]
    return [p for p in found if not p.is_symlink() and floor.is_elf(p)]


def test_agrees_with_readelf_on_system_libraries() -> None:
    if shutil.which("readelf") is None:
        pytest.skip("readelf (binutils) is not installed")
    files = system_elf_files()
    if not files:
        pytest.skip("no system ELF files to compare")
    compared = 0
    for path in files:
        text = subprocess.run(
            ["readelf", "--version-info", "-W", str(path)], capture_output=True, text=True
        ).stdout
        needs = text.split("Version needs section", 1)
        versions = re.findall(r"Name: GLIBC_(\d+(?:\.\d+)+)", needs[1]) if len(needs) > 1 else []
        expected = max((floor.parse_version(v) for v in versions), default=None)
        assert floor.glibc_needed(path) == expected, path
        compared += expected is not None
    assert compared > 0
