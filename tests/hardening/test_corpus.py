"""Every file of the hostile-input corpus (tests/corpus, made by make_corpus.py) fed to its
parser: only a typed ReviewStationError may escape, within a time bound. Model files are also
fed to the inspectors' dispatcher, which must never raise and must name a pickle's danger."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reviewstation.artifacts.inspectors import (
    gguf,
    inspect_eval,
    inspect_stream,
    pickle_scan,
    safetensors,
)
from reviewstation.canonical import loads_bounded
from reviewstation.crypto.identity import parse_card
from reviewstation.errors import ReviewStationError
from reviewstation.packages.sums import parse_sums
from reviewstation.packages.verify import verify_package
from reviewstation.text import visible
from reviewstation.vault.header import HEADER_NAME, Header
from reviewstation.vault.session import open_vault

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
FILES = sorted(p for p in CORPUS.glob("*/*") if p.is_file())
SECONDS = 10.0


def _vault_with_header(path: Path, tmp: Path) -> Any:
    vault = tmp / "v.rsvault"
    vault.mkdir()
    (vault / HEADER_NAME).write_bytes(path.read_bytes())
    return open_vault(vault, "any passphrase at all", mode="read")


def _model(path: Path, tmp: Path) -> Any:
    data = path.read_bytes()
    ext = path.suffix
    parse: Callable[[], Any] = {
        ".safetensors": lambda: safetensors.inspect(io.BytesIO(data), len(data)),
        ".gguf": lambda: gguf.inspect(io.BytesIO(data), len(data)),
        ".pkl": lambda: pickle_scan.scan_bytes(data),
        ".eval": lambda: inspect_eval.inspect_zip(io.BytesIO(data), len(data), detail=True),
        ".json": lambda: inspect_eval.inspect_json(io.BytesIO(data), len(data), detail=True),
    }[ext]
    return parse()


PARSERS: dict[str, list[Callable[[Path, Path], Any]]] = {
    "archives": [lambda p, t: verify_package(p, []).close()],
    "manifests": [
        lambda p, t: parse_sums(p.read_bytes()),
        lambda p, t: loads_bounded(p.read_bytes(), "manifest", 1024 * 1024),
    ],
    "cards": [lambda p, t: parse_card(p.read_bytes())],
    "headers": [lambda p, t: Header.from_bytes(p.read_bytes()), _vault_with_header],
    "models": [_model],
    # files written by the upstream writers (make_formats.py): the dispatcher reads them all
    "formats": [
        lambda p, t: inspect_stream(
            io.BytesIO(p.read_bytes()), p.stat().st_size, p.name, detail=True
        )
    ],
}


def test_corpus_covers_every_class() -> None:
    groups = {p.parent.name for p in FILES}
    assert groups == set(PARSERS)
    assert len(FILES) >= 60


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_corpus_file_only_raises_typed_errors(path: Path, tmp_path: Path) -> None:
    refused = 0
    for parse in PARSERS[path.parent.name]:
        start = time.monotonic()
        try:
            result = parse(path, tmp_path)
        except ReviewStationError as exc:
            assert str(exc) and "\n" not in str(exc).strip(), exc  # noqa: PT017
            assert visible(str(exc)) == str(exc), exc  # no raw control echoed  # noqa: PT017
            refused += 1
        else:
            if hasattr(result, "close"):
                result.close()
        assert time.monotonic() - start < SECONDS, path
    if path.parent.name in ("archives", "cards", "headers"):
        assert refused == len(PARSERS[path.parent.name]), f"{path.name} was accepted"
    if path.parent.name == "models":  # the dispatcher reports, never raises
        data = path.read_bytes()
        report = inspect_stream(io.BytesIO(data), len(data), path.name, detail=True)
        if path.suffix == ".pkl":
            assert "danger" in str(report).lower() or "code" in str(report).lower(), report
