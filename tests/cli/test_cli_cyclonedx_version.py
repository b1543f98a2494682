"""`package export --cyclonedx-version`: 1.7 by default, 1.6 on request, nothing else."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from support.cli import rs


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("cdx") / "v.rsvault")
    for args in (
        ("vault", "init", path, "--user", "alice", "--marking", "UNCLASSIFIED"),
        ("review", "create", path, "--title", "Model X", "--developer", "Lab", "--model", "X-1"),
    ):
        assert rs(*args).returncode == 0
    return path


@pytest.mark.parametrize(
    ("option", "version"),
    [((), "1.7"), (("--cyclonedx-version", "1.6"), "1.6"), (("--cyclonedx-version", "1.7"), "1.7")],
)
def test_the_chosen_version_is_written(
    vault: str, tmp_path: Path, option: tuple[str, ...], version: str
) -> None:
    out = tmp_path / "p.rspkg"
    result = rs("package", "export", vault, "--review", "1", "--out", str(out), *option)
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(out) as archive:
        bom = json.loads(archive.read("artifacts.cdx.json"))
    assert bom["specVersion"] == version


def test_another_version_is_refused_before_anything_is_written(vault: str, tmp_path: Path) -> None:
    out = tmp_path / "p.rspkg"
    result = rs(
        "package", "export", vault, "--review", "1", "--out", str(out), "--cyclonedx-version", "1.5"
    )
    assert result.returncode == 2
    assert "--cyclonedx-version: invalid choice: '1.5'" in result.stderr
    assert not out.exists()
