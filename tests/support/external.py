"""Validators the project did not write, run as separate programs (test-only).

- the BSI/Secvisogram CSAF validator (npm ``@secvisogram/csaf-validator-lib``), through
  ``tests/support/validators/csaf.mjs``;
- the Microsoft SARIF multitool (npm ``@microsoft/sarif-multitool``), ``validate``;
- FIRST's CVSS v4.0 calculator (its JavaScript, vendored in tests/fixtures), under node with the
  script of docs/formats/cvss.md.

The npm packages live under a prefix: ``REVIEWSTATION_NPM_PREFIX``, else ``.ci/validators`` in
the clone (where ``.ci/run`` installs them with ``npm ci``, pinned by its package-lock.json).
A missing tool skips its test with the reason, unless ``REVIEWSTATION_REQUIRE_VALIDATORS=1``
(set by ``.ci/run``): then it fails the suite.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent / "validators"
FIRST_CALCULATOR = ROOT / "tests" / "fixtures" / "first-cvss-v4-calculator"
CVSS_DOC = ROOT / "docs" / "formats" / "cvss.md"
REQUIRED = os.environ.get("REVIEWSTATION_REQUIRE_VALIDATORS") == "1"
TIMEOUT = 300


def require(what: str, found: bool, how: str) -> None:
    """Skip (locally) or fail (in CI) when a validator is not installed."""
    if found:
        return
    message = f"{what} is not installed ({how})"
    if REQUIRED:
        pytest.fail(f"REVIEWSTATION_REQUIRE_VALIDATORS=1 but {message}", pytrace=False)
    pytest.skip(message)


def node() -> str:
    path = shutil.which("node")
    require("node", path is not None, "install Node.js 20 or later")
    assert path is not None
    return path


def npm_modules() -> Path:
    """The node_modules folder of the validators' npm prefix."""
    prefix = Path(os.environ.get("REVIEWSTATION_NPM_PREFIX") or ROOT / ".ci" / "validators")
    return prefix / "node_modules"


def _install_hint() -> str:
    return "npm ci --prefix .ci/validators, as .ci/run does, or set REVIEWSTATION_NPM_PREFIX"


def csaf_validator(*documents: Path) -> list[dict[str, dict[str, Any]]]:
    """For each document: test name -> {kind: schema|mandatory|optional, valid, errors: [...],
    warnings: [...]}. One node process for all of them."""
    modules = npm_modules()
    lib = modules / "@secvisogram" / "csaf-validator-lib"
    require("@secvisogram/csaf-validator-lib", lib.is_dir(), _install_hint())
    result = subprocess.run(
        [node(), str(HERE / "csaf.mjs"), str(modules), *map(str, documents)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    reports = json.loads(result.stdout)
    assert isinstance(reports, list) and len(reports) == len(documents)
    return reports


def sarif_multitool(log: Path, rule_kinds: str, out: Path) -> list[dict[str, Any]]:
    """The multitool's ``validate`` results (rule id, level, message) for ``log`` with the
    rule sets ``rule_kinds`` (``Sarif``, ``Gh``, ``Sarif;Gh``)."""
    # The npm package installs the self-contained binary of this platform beside it.
    system = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(sys.platform, "linux")
    package = npm_modules() / "@microsoft" / f"sarif-multitool-{system}"
    binary = package / ("Sarif.Multitool.exe" if system == "win32" else "Sarif.Multitool")
    require("@microsoft/sarif-multitool", binary.is_file(), _install_hint())
    # The npm wrapper (bin.js) runs the binary through a shell, which would split "Sarif;Gh"
    # at the semicolon; the binary is called directly. npm may not have made it executable.
    if not os.access(binary, os.X_OK):
        binary.chmod(binary.stat().st_mode | 0o100)
    env = {**os.environ, "DOTNET_CLI_TELEMETRY_OPTOUT": "1"}
    result = subprocess.run(
        [str(binary), "validate", "--rule-kind", rule_kinds, "-o", str(out), str(log)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env=env,
    )
    assert out.is_file(), result.stdout + result.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    results = []
    for run in report["runs"]:
        for item in run.get("results", []):
            message = item["message"]
            text = message.get("text") or f"{message.get('id')}: {message.get('arguments')}"
            results.append(
                {"rule": item.get("ruleId"), "level": item.get("level", "warning"), "text": text}
            )
        for invocation in run.get("invocations", []):
            assert invocation.get("executionSuccessful"), result.stdout + result.stderr
    return results


def first_cvss(vectors: list[str], work: Path) -> dict[str, dict[str, float]]:
    """Vector -> {"B": ..., "BT": ..., "BE": ..., "BTE": ...} as FIRST's calculator scores it
    (only the names the vector defines), by the recipe of docs/formats/cvss.md."""
    runner = node()
    doc = CVSS_DOC.read_text(encoding="utf-8")
    script = doc.split("cat > first.js <<'JS'\n", 1)[1].split("\nJS\n", 1)[0]
    for name in FIRST_CALCULATOR.glob("*.js"):
        shutil.copy(name, work / name.name)
    (work / "first.js").write_text(script, encoding="utf-8")
    result = subprocess.run(
        [runner, "first.js"],
        cwd=work,
        input="\n".join(vectors) + "\n",
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    )
    out: dict[str, dict[str, float]] = {}
    for line in result.stdout.splitlines():
        vector, scores = line.split(" ", 1)
        out[vector] = json.loads(scores)
    return out
