"""Time-boxed fuzzing of the parsers not fuzzed elsewhere (tests/crypto, tests/artifacts and
tests/packages fuzz cards, JSON, inspectors and the ZIP reader): SHA384SUMS, the vault header,
checklist templates, recovery keys, pending events, CVSS vectors and the search query builder.
Only typed errors escape; no hang (deadline); bounded
memory (tracemalloc). The default suite is derandomized; `make test-long` runs far more."""

from __future__ import annotations

import contextlib
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.vaults import make_vault

from reviewstation.checklists.templates import parse_template
from reviewstation.errors import ReviewStationError
from reviewstation.findings.query import fts_query
from reviewstation.findings.scoring import score_cvss4
from reviewstation.packages.sums import build_sums, parse_sums
from reviewstation.vault import pending
from reviewstation.vault.header import Header, header_path
from reviewstation.vault.recovery_key import generate, parse

FAST = settings(
    max_examples=100,
    derandomize=True,
    deadline=2000,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LONG = settings(FAST, max_examples=3000, derandomize=False)
TRIED: dict[str, int] = {}

_VAULT_HEADER: list[bytes] = []


def header_seed(tmp: Path) -> bytes:
    if not _VAULT_HEADER:
        _VAULT_HEADER.append(header_path(make_vault(tmp)).read_bytes())
    return _VAULT_HEADER[0]


TEMPLATE = b"""name = "t"
title = "T"
version = 1
[[items]]
id = "a"
text = "Check it"
"""
SUMS = build_sums({"a.json": "ab" * 48, "evidence/x/b.bin": "cd" * 48})
CVSS = b"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


def mutate(seed: bytes) -> st.SearchStrategy[bytes]:
    def apply(ops: list[tuple[int, int, int]]) -> bytes:
        data = bytearray(seed)
        for kind, where, value in ops:
            at = where % (len(data) + 1)
            if kind == 0 and data:
                data[at % len(data)] ^= 1 << (value % 8)
            elif kind == 1:
                del data[at : at + 1 + value % 32]
            elif kind == 2:
                data[at:at] = bytes([value]) * (1 + value % 9)
            else:
                data[at:at] = data[: value % 64]
        return bytes(data)

    ops = st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 1 << 20), st.integers(0, 255)), max_size=6
    )
    return st.one_of(ops.map(apply), st.binary(max_size=512))


def _pending(data: bytes, tmp: Path) -> Any:
    (tmp / pending.PENDING_NAME).write_bytes(data)
    return pending.read(tmp)


TARGETS: dict[str, tuple[Callable[[bytes, Path], Any], Callable[[Path], bytes]]] = {
    "parse_sums": (lambda d, t: parse_sums(d), lambda t: SUMS),
    "Header.from_bytes": (lambda d, t: Header.from_bytes(d), header_seed),
    "parse_template": (lambda d, t: parse_template(d, "fuzz"), lambda t: TEMPLATE),
    "recovery_key.parse": (
        lambda d, t: parse(d.decode("utf-8", "replace")),
        lambda t: generate()[0].encode(),
    ),
    "pending.read": (_pending, lambda t: b'{"id": "x", "action": "vault.verify", "details": {}}\n'),
    "score_cvss4": (lambda d, t: score_cvss4(d.decode("utf-8", "replace")), lambda t: CVSS),
    "fts_query": (
        lambda d, t: fts_query(d.decode("utf-8", "replace")),
        lambda t: b'heap "overflow" OR x*',
    ),
}


def run(name: str, data: bytes, tmp: Path) -> None:
    call, _ = TARGETS[name]
    TRIED[name] = TRIED.get(name, 0) + 1
    with contextlib.suppress(ReviewStationError):
        call(data, tmp)


def fuzz(name: str, tmp: Path, profile: settings) -> None:
    seed = TARGETS[name][1](tmp)

    @profile
    @given(mutate(seed))
    def inner(data: bytes) -> None:
        run(name, data, tmp)

    inner()


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_fuzz_parser(name: str, tmp_path: Path) -> None:
    fuzz(name, tmp_path, FAST)


@pytest.mark.long
@pytest.mark.parametrize("name", sorted(TARGETS))
def test_fuzz_parser_long(name: str, tmp_path: Path) -> None:
    fuzz(name, tmp_path, LONG)
    from hardening.faults import Figures, write_figures

    figures = Figures(runs=TRIED.get(name, 0))
    write_figures(figures, f"fuzz:{name}")


LARGEST = {
    "parse_sums": SUMS * 20_000,
    "Header.from_bytes": b'{"slots": [' + b'{"id": "x"},' * 50_000 + b"]}",
    "parse_template": TEMPLATE + b'[[items]]\nid = "b"\ntext = "x"\n' * 20_000,
    "recovery_key.parse": b"A-" * 500_000,
    "pending.read": b'{"id": "x"}\n' * 200_000,
    "score_cvss4": CVSS + b"/X:Y" * 200_000,
    "fts_query": b'"a" OR ' * 200_000,
}


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_largest_inputs_use_bounded_memory(name: str, tmp_path: Path) -> None:
    data = LARGEST[name]
    tracemalloc.start()
    try:
        run(name, data, tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024 + 20 * len(data), (name, peak)
