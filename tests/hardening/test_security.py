"""Security properties: no network (strace), no plaintext on disk (canary), two processes on
one vault, no core dumps, and the start-up crypto self-test that refuses to unlock."""

from __future__ import annotations

import base64
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from support.vaults import PASS, make_vault

from reviewstation.app.verify import verify_workspace
from reviewstation.artifacts.export import export_artifact
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.artifacts.viewing import view_artifact
from reviewstation.checklists.runs import set_answer, start_run
from reviewstation.crypto import hashing, kdf, selftest
from reviewstation.errors import VaultBusy
from reviewstation.findings import query
from reviewstation.findings.service import add_finding, get_finding
from reviewstation.packages.export import export_package
from reviewstation.reviews.service import create_review
from reviewstation.vault.session import create_vault, open_vault

NONET = str(Path(__file__).resolve().parents[1] / "support" / "nonet")

# --- no network -----------------------------------------------------------------------------


def test_demo_under_strace_creates_no_internet_socket(tmp_path: Path) -> None:
    """The socket guard is left out of this child on purpose: strace is the observer."""
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed")
    log = tmp_path / "strace.log"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != NONET
    )
    done = subprocess.run(
        [strace, "-f", "-qq", "-e", "trace=socket", "-o", str(log), sys.executable, "-m",
         "reviewstation", "demo", str(tmp_path / "demo")],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    if done.returncode != 0 and "ptrace" in done.stderr:
        pytest.skip(f"strace cannot trace here: {done.stderr.strip()[:200]}")
    assert done.returncode == 0, done.stderr
    calls = log.read_text()
    assert "AF_INET" not in calls, calls  # matches AF_INET6 too


# --- no plaintext on disk -------------------------------------------------------------------


def forms(canary: bytes) -> list[bytes]:
    """The canary as plain text, UTF-16 (both byte orders) and base64 at every alignment."""
    text = canary.decode()
    out = [canary, text.encode("utf-16-le"), text.encode("utf-16-be")]
    for pad in range(3):
        encoded = base64.b64encode(b"x" * pad + canary)[4:-4]  # the stable middle
        out.append(encoded)
    return out


def files_with(root: Path, needles: list[bytes], since: float, skip: set[Path]) -> list[Path]:
    found = []
    paths = (Path(top) / name for top, _, names in os.walk(root) for name in names)
    for path in paths:  # os.walk: other processes' folders may vanish meanwhile
        try:
            if not path.is_file() or path.is_symlink() or path in skip:
                continue
            if path.stat().st_mtime < since or path.stat().st_size > 256 * 1024 * 1024:
                continue
            data = path.read_bytes()
        except OSError:
            continue
        if any(n in data for n in needles):
            found.append(path)
    return found


def test_canary_artifact_finding_and_note_never_reach_the_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system_temp = Path(tempfile.gettempdir())
    private = {name: tmp_path / name for name in ("tmp", "cache", "config")}
    for folder in private.values():
        folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private["tmp"]))
    monkeypatch.setenv("TMPDIR", str(private["tmp"]))
    monkeypatch.setenv("XDG_CACHE_HOME", str(private["cache"]))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(private["config"]))
    start = time.time() - 1
    canary = f"CANARY-{uuid.uuid4().hex}"
    needles = forms(canary.encode())
    medium = tmp_path / "medium"
    medium.mkdir()
    source = medium / "system_card.md"
    source.write_text(f"# Card\nThe secret is {canary}.\n" * 40)
    outside = tmp_path / "outside"
    outside.mkdir()

    (tmp_path / "vaults").mkdir()
    vault = make_vault(tmp_path / "vaults")
    with open_vault(vault, PASS) as session:
        create_review(session, title="t", developer="d", model_name="m")
        artifact = add_artifacts(session, 1, [source]).added[0]
        assert canary in view_artifact(session, artifact.id).to_json()["preview"]
        finding = add_finding(session, 1, title=f"Leak {canary}", severity="high", body=canary)
        assert canary in get_finding(session.conn, finding.id).body
        assert query.search(session.conn, canary.split("-")[1])  # the search index is in the db
        run = start_run(session, 1, "intake-custody")
        set_answer(session, run.id, run.template.items[0].id, status="open", note=canary)
        export_artifact(session, artifact.id, outside / "card.md")
        export_package(session, 1, outside / "p.rspkg", evidence=[str(artifact.id)])
    assert verify_workspace(vault, PASS, full=True).intact

    assert files_with(vault, needles, 0, set()) == []
    for folder in private.values():
        assert files_with(folder, needles, 0, set()) == [], folder
    skip = {source, outside / "card.md", outside / "p.rspkg"}
    assert files_with(system_temp, needles, start, skip) == []


# --- two processes, one vault ---------------------------------------------------------------

WRITER = """
import sys
from pathlib import Path
from reviewstation.findings.service import add_finding
from reviewstation.vault.session import open_vault
s = open_vault(Path(sys.argv[1]), sys.argv[2])
print("ready", flush=True)
for i in range(1, 10_000):
    add_finding(s, 1, title=f"f{i}", severity="low")
    print("saved", i, flush=True)
    if i >= 20 and sys.stdin.readline() == "":
        break
s.close()
"""


def test_a_reader_works_alongside_a_writer_and_a_second_writer_is_told_who(
    tmp_path: Path,
) -> None:
    vault = make_vault(tmp_path)
    with open_vault(vault, PASS) as session:
        create_review(session, title="t", developer="d", model_name="m")
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(vault), PASS],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stdout is not None and child.stdin is not None
    try:
        assert child.stdout.readline().strip() == "ready"
        with pytest.raises(VaultBusy, match="alice"):
            open_vault(vault, PASS).close()
        seen = []
        for _ in range(3):  # reads while the writer commits
            with open_vault(vault, PASS, mode="read") as reader:
                seen.append(query.count(reader.conn))
            assert child.stdout.readline().startswith("saved")
        assert seen == sorted(seen)
        assert verify_workspace(vault, PASS).intact
    finally:
        child.stdin.close()
        child.wait(timeout=60)
        child.stdout.close()
    with open_vault(vault, PASS) as session:  # released: the next writer gets it
        assert query.count(session.conn) >= 20


# --- no core dumps --------------------------------------------------------------------------

CORE = """
import resource, sys
from reviewstation.cli import main
try:
    main(["--version"])
except SystemExit:
    pass
print(resource.getrlimit(resource.RLIMIT_CORE))
"""


def test_cli_disables_core_dumps() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    done = subprocess.run(
        [sys.executable, "-c", CORE],
        capture_output=True, text=True, check=True,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CORE, (hard, hard)),
    )  # fmt: skip
    assert done.stdout.strip().splitlines()[-1] == "(0, 0)"
    del soft


# --- the start-up self-test -----------------------------------------------------------------


def _wrong_sha384(data: bytes) -> bytes:
    return bytes(48)


def _wrong_hkdf(key: bytes, info: bytes, salt: bytes = b"", length: int = 32) -> bytes:
    return bytes(length)


class _WrongGCM:
    def __init__(self, key: bytes) -> None:
        pass

    def encrypt(self, nonce: bytes, data: bytes, aad: bytes | None) -> bytes:
        return bytes(len(data) + 16)


def _raises(*args: object) -> bytes:
    raise ValueError("broken")


BROKEN: list[tuple[str, object, str, Callable[..., object]]] = [
    ("SHA-384", hashing, "sha384", _wrong_sha384),
    ("HKDF-SHA384", kdf, "hkdf", _wrong_hkdf),
    ("AES-256-GCM", selftest, "AESGCM", _WrongGCM),
    ("ML-KEM-1024", selftest, "_b", _raises),  # every fixed vector unreadable
]


def test_self_test_passes_on_this_installation() -> None:
    assert selftest.failures() == []


@pytest.mark.parametrize(("name", "target", "attr", "broken"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_primitive_refuses_every_unlock(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    target: object,
    attr: str,
    broken: Callable[..., object],
) -> None:
    vault = make_vault(tmp_path)
    monkeypatch.setattr(selftest, "_passed", False)
    monkeypatch.setattr(target, attr, broken)
    with pytest.raises(selftest.SelfTestFailed, match=name) as caught:
        open_vault(vault, PASS)
    assert "self-test failed" in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(selftest.SelfTestFailed):
        create_vault(tmp_path / "new.rsvault", "bob", "a fine passphrase here")
    assert not (tmp_path / "new.rsvault").exists()
    monkeypatch.undo()
    monkeypatch.setattr(selftest, "_passed", False)
    open_vault(vault, PASS).close()  # repaired: unlocks again
