"""The verification recipe: the README's and the one report.pdf prints are the same commands,
and those commands verify a real export and catch what they promise to catch."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from reports.report_content import pdf_pages
from support.packages import Sender, export, sender

from reviewstation.reports.sections import VERIFY_RECIPE

ROOT = Path(__file__).resolve().parents[2]
COMMENT = re.compile(r"\s+# .*$")


def readme_recipe() -> str:
    """The first sh block of the README's "Verifying a package with standard tools", its
    trailing comments removed."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Verifying a package with standard tools\n", 1)[1]
    block = section.split("```sh\n", 1)[1].split("\n```", 1)[0]
    return "\n".join(COMMENT.sub("", line) for line in block.split("\n"))


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_readme_shows_the_recipe_the_report_prints() -> None:
    assert readme_recipe() == VERIFY_RECIPE


@pytest.mark.parametrize(
    "needed",
    [
        "sha384sum -c --strict SHA384SUMS",  # no malformed line is skipped
        "diff - ../members.txt",  # the unlisted-member check
        "openssl dgst -sha384 -verify signer-p384.pem",
        "openssl pkey -pubin -in signer-p384.pem -outform DER | sha384sum",
        "tail -c 2592 | sha384sum",  # the ML-DSA-87 fingerprint
    ],
)
def test_the_recipe_has_every_check(needed: str) -> None:
    assert needed in VERIFY_RECIPE


@pytest.fixture(scope="module")
def alice(tmp_path_factory: pytest.TempPathFactory) -> Sender:
    return sender(tmp_path_factory.mktemp("recipe"))


@pytest.fixture(scope="module")
def package(alice: Sender) -> Path:
    folder = alice.vault.parent.parent / "out"
    folder.mkdir()
    export(alice.vault, folder / "PACKAGE.rspkg", evidence=["1"])
    return folder / "PACKAGE.rspkg"


def test_report_pdf_prints_the_recipe(package: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(package) as archive:
        pages = pdf_pages(archive.read("report.pdf"), tmp_path)
    assert _squeeze(VERIFY_RECIPE) in _squeeze(pages[-1])


def _run(folder: Path) -> subprocess.CompletedProcess[str]:
    for tool in ("bash", "unzip", "openssl", "sha384sum", "diff"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", VERIFY_RECIPE],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_recipe_verifies_a_real_export(alice: Sender, package: Path) -> None:
    result = _run(package.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Verified OK" in out
    assert ": FAILED" not in out and "evidence/" in out  # sha384sum listed the evidence too
    assert "no unlisted members" in out
    hashes = re.findall(r"^([0-9a-f]{96})  -$", out, re.MULTILINE)
    assert hashes == [alice.card.fingerprint, alice.card.signing.mldsa87_fingerprint()]
    shutil.rmtree(package.parent / "check")


def test_the_recipe_catches_an_unlisted_member(package: Path, tmp_path: Path) -> None:
    """A member added to the ZIP (so every listed hash and the signature still verify) is
    caught by the listing comparison, and only by it."""
    folder = tmp_path / "out"
    folder.mkdir()
    shutil.copy(package, folder / "PACKAGE.rspkg")
    with zipfile.ZipFile(folder / "PACKAGE.rspkg", "a") as archive:
        archive.writestr("extra.txt", b"not listed\n")
    result = _run(folder)
    # The other steps still pass (the reader goes on); the listing names the stranger and the
    # "no unlisted members" line is missing.
    assert "Verified OK" in result.stdout
    assert "> extra.txt" in result.stdout
    assert "no unlisted members" not in result.stdout
