"""The app in a real X window (Xvfb): first run opens the demo vault, the reviewer unlocks with
the keyboard alone, the review shows under a banner in the marking's colour, Ctrl+L locks,
Escape quits, and nothing is printed (no traceback, no Qt warning).

Needs Debian's xvfb, xdotool and imagemagick (``.ci/run`` installs them); skipped without.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from reviewstation.app.demo import DEMO_PASSPHRASE

TOOLS = ("Xvfb", "xdotool", "import")
pytestmark = pytest.mark.skipif(
    any(shutil.which(t) is None for t in TOOLS),
    reason="needs Xvfb, xdotool and imagemagick (apt-get install xvfb xdotool imagemagick)",
)
GREEN = "#007a33"
SCREEN = (1280, 900)
SIZE = f"{SCREEN[0]}x{SCREEN[1]}x24"


@pytest.fixture
def display() -> Iterator[str]:
    """A private Xvfb; ``-displayfd`` makes it pick a free display number and tell us."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-nolisten", "tcp", "-screen", "0", SIZE],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as announced:
            number = announced.readline().strip()
        assert number.isdigit(), "Xvfb did not start"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


def x(display: str, *args: str) -> str:
    env = {**os.environ, "DISPLAY": display}
    return subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout


def focus_window(display: str, title: str) -> tuple[int, int, int]:
    """Wait for the visible window named ``title``, give it the keyboard; its x, y, width."""
    search = ("xdotool", "search", "--sync", "--onlyvisible", "--name", title)
    found = x(display, "timeout", "30", *search)
    window = found.split()[0]
    x(display, "xdotool", "windowfocus", "--sync", window)
    geometry = dict(
        line.split("=", 1)
        for line in x(display, "xdotool", "getwindowgeometry", "--shell", window).split()
    )
    return int(geometry["X"]), int(geometry["Y"]), int(geometry["WIDTH"])


def top_centre_colour(display: str, where: tuple[int, int, int], path: Path) -> str:
    x(display, "import", "-window", "root", str(path))
    image = QImage(str(path))
    assert not image.isNull()
    left, top, width = where
    return image.pixelColor(left + width // 2, top + 4).name()


def test_keyboard_unlock_in_a_real_window(display: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("QT_QPA_PLATFORM", "XDG_CONFIG_HOME", "XDG_DATA_HOME")
    }
    env.update(
        DISPLAY=display,
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_RUNTIME_DIR=str(tmp_path / "run"),
    )
    (tmp_path / "run").mkdir(mode=0o700)
    log = tmp_path / "app.log"
    with log.open("wb") as out:
        app = subprocess.Popen(
            [sys.executable, "-m", "reviewstation"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            focus_window(display, "Unlock")  # first run: the demo vault, preselected
            x(display, "xdotool", "type", "--delay", "15", DEMO_PASSPHRASE)
            x(display, "xdotool", "key", "Return")
            main = focus_window(display, "ReviewStation — Demo — demo")
            deadline = time.monotonic() + 20
            while (colour := top_centre_colour(display, main, tmp_path / "s.png")) != GREEN:
                assert time.monotonic() < deadline, f"the top banner is {colour}, not green"
                time.sleep(0.2)
            x(display, "xdotool", "key", "ctrl+l")
            focus_window(display, "Unlock")
            x(display, "xdotool", "key", "Escape")
            assert app.wait(30) == 0
        finally:
            if app.poll() is None:
                app.terminate()
                app.wait(10)
    assert log.read_text(errors="replace") == ""


# -- a lead's day -----------------------------------------------------------------------------

DRIVER = Path(__file__).with_name("lead_day_driver.py")
SECOND = "marc"
SECOND_PASSPHRASE = "marc's own passphrase 7"


def day_vault(folder: Path) -> Path:
    """The demo's review (artifacts, a checklist run, findings) kept by two leads: demo set
    the vault up and added marc, who then chose his own passphrase (two people by the vault's
    two-person rules); exports need a second lead's approval."""
    from reviewstation.app.demo import DEMO_USER, populate
    from reviewstation.crypto.kdf import floor_params
    from reviewstation.vault import accounts, policy
    from reviewstation.vault.session import create_vault, open_vault

    path = folder / "Day.rsvault"
    create_vault(path, DEMO_USER, DEMO_PASSPHRASE, role="lead", kdf=floor_params())
    populate(path)
    reviewer_package(path, folder)
    with open_vault(path, DEMO_PASSPHRASE, user=DEMO_USER) as session:
        accounts.add_user(session, SECOND, "lead", "chosen by demo 1", kdf=floor_params())
        policy.set_export_approval(session, "required")
    with open_vault(path, "chosen by demo 1", user=SECOND) as session:
        accounts.change_passphrase(session, SECOND_PASSPHRASE, kdf=floor_params())
    return path


def reviewer_package(vault: Path, folder: Path) -> Path:
    """The review sent to a reviewer, rita, who raises one finding's severity in a vault of
    her own and sends it back (``folder/from-rita.rspkg``); demo trusts her card."""
    from reviewstation.crypto.identity import export_card
    from reviewstation.crypto.kdf import floor_params
    from reviewstation.findings.service import update_finding
    from reviewstation.packages import trust
    from reviewstation.packages.export import export_package
    from reviewstation.packages.importer import import_package
    from reviewstation.vault.session import create_vault, open_vault

    with open_vault(vault, DEMO_PASSPHRASE, user="demo") as session:
        export_package(session, 1, folder / "to-rita.rspkg")
        demo = session.user.public_identity(session.vault_id)
    rita = folder / "Rita.rsvault"
    create_vault(rita, "rita", "rita's passphrase 1", marking="UNCLASSIFIED", kdf=floor_params())
    with open_vault(rita, "rita's passphrase 1") as session:
        review = import_package(session, folder / "to-rita.rspkg", [demo]).review_id
        (uid,) = session.conn.execute(
            "SELECT uid FROM findings WHERE title LIKE 'DEMO: multi-step%'"
        ).fetchone()
        update_finding(session, uid, severity="high")
        export_package(session, review, folder / "from-rita.rspkg")
        assert session.identity is not None
        card = export_card(session.identity, session.user.public_identity(session.vault_id))
    with open_vault(vault, DEMO_PASSPHRASE, user="demo") as session:
        trust.add(session, card)
    return folder / "from-rita.rspkg"


class Helper:
    """The driver's command line: one command, one answer."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process

    def __call__(self, command: str, timeout: float = 60) -> str:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        assert ready, f"no answer to {command!r}"
        answer = self.process.stdout.readline().strip()
        assert answer.startswith("OK"), f"{command}: {answer}"
        return answer


def test_a_leads_day_in_a_real_window(display: str, tmp_path: Path) -> None:
    """Unlock, the review, an import with its custody, checklist answers by keyboard, a new
    finding, an export request, the second lead's approval, the export, a reviewer's package
    merged through the staging dialog, lock and quit.

    xdotool types what a person types (passphrases, custody details, the keys 1-4, a title,
    Ctrl+S, Ctrl+L, Escape) into the windows of the real app; the driver
    (``lead_day_driver.py``) opens the page each step starts on, gives it the focus, clicks
    through the wizard and the approval, and reads back what the windows show."""
    vault = day_vault(tmp_path)
    submission = tmp_path / "late-eval.json"
    submission.write_text('{"note": "arrived late"}\n', encoding="utf-8")
    package = tmp_path / "day.rspkg"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("QT_QPA_PLATFORM", "XDG_CONFIG_HOME", "XDG_DATA_HOME")
    }
    home = tmp_path / "home"
    env.update(
        DISPLAY=display,
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_RUNTIME_DIR=str(tmp_path / "run"),
        PYTHONPATH=os.pathsep.join([str(Path(__file__).parents[2]), env.get("PYTHONPATH", "")]),
    )
    (tmp_path / "run").mkdir(mode=0o700)
    errors = tmp_path / "stderr.log"

    def keys(*names: str) -> None:
        x(display, "xdotool", "key", "--delay", "40", *names)

    def typed(text: str) -> None:
        x(display, "xdotool", "type", "--delay", "15", text)

    with errors.open("wb") as err:
        app = subprocess.Popen(
            [sys.executable, str(DRIVER), str(vault)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
        helper = Helper(app)
        try:
            # 1. Unlock as demo, by keyboard; the review is shown.
            helper("user demo")
            focus_window(display, "Unlock")
            typed(DEMO_PASSPHRASE)
            keys("Return")
            assert "Day — demo (lead)" in helper("main demo")

            # 2. A late file, imported with its custody typed into the dialog.
            helper(f"import {submission}")
            typed("USB stick #7 (SN 4471)")
            keys("Tab")
            typed("Courier K. Ng")
            keys("Tab")
            typed("2026-11-24T09:30")
            keys("Return")
            shown = helper("imported late-eval.json")
            assert "1 artifact imported." in shown
            for fact in ("USB stick #7 (SN 4471)", "Courier K. Ng", "2026-11-24T09:30"):
                assert fact in shown, shown

            # 3. Checklist items answered with the keys 1-4 (each answer moves on).
            helper("checklist")
            before = dict(pair.split("=") for pair in helper("answers").split()[1:])

            def changed(count: int) -> list[str]:
                deadline = time.monotonic() + 30
                while True:
                    after = dict(pair.split("=") for pair in helper("answers").split()[1:])
                    found = [after[i] for i in after if after[i] != before[i]]
                    if len(found) >= count or time.monotonic() > deadline:
                        return found
                    time.sleep(0.2)

            keys("3")  # not a finding, then the next item
            assert changed(1) == ["not_a_finding"]
            keys("4")  # not applicable
            assert changed(2) == ["not_a_finding", "not_applicable"]

            # 4. A new finding: title typed, Ctrl+S.
            helper("finding")
            typed("DEMO: late eval shows tool misuse")
            keys("ctrl+s")
            assert "saved" in helper("saved DEMO: late eval shows tool misuse")

            # 5. The export needs a second lead: demo asks for the approval.
            assert "waits for another lead" in helper("request")

            # 6. Lock (Ctrl+L); marc unlocks and approves.
            keys("ctrl+l")
            helper(f"user {SECOND}")
            focus_window(display, "Unlock")
            typed(SECOND_PASSPHRASE)
            keys("Return")
            helper(f"main {SECOND}")
            assert "Approve request 1 of demo" in helper("approve")

            # 7. demo again: the export goes out with marc's approval.
            keys("ctrl+l")
            helper("user demo")
            focus_window(display, "Unlock")
            typed(DEMO_PASSPHRASE)
            keys("Return")
            helper("main demo")
            assert "APPROVED by marc" in helper(f"export {package}")
            assert package.is_file()

            # 7b. rita's package merged into the review through the staging dialog: her
            # changed finding is offered pre-ticked, the rest identical.
            merged = helper(f"merge {tmp_path / 'from-rita.rspkg'}")
            assert "changed" in merged and "1 accepted, 0 rejected" in merged, merged

            # 8. Lock, and quit from the unlock window.
            keys("ctrl+l")
            focus_window(display, "Unlock")
            keys("Escape")
            assert app.wait(30) == 0
        finally:
            if app.poll() is None:
                app.terminate()
                app.wait(10)
            for pipe in (app.stdin, app.stdout):
                if pipe is not None:
                    pipe.close()
    assert errors.read_text(errors="replace") == ""
    with zipfile.ZipFile(package) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert (manifest["approval"]["requested_by"], manifest["approval"]["approved_by"]) == (
        "demo",
        SECOND,
    )


def test_a_selective_disclosure_in_a_real_window(display: str, tmp_path: Path) -> None:
    """The whole disclosure flow by keyboard in the real app: the lead records the vendor's
    clearance (File ▸ Disclosure recipients…: its card file, UNCLASSIFIED, Alt+O); in the
    export wizard's Disclosure step Space ticks the selective disclosure to that recipient,
    Tab to "Only vendor" and its name keep only its finding; the policy's answer is read back,
    the view is written, and the other findings' titles are nowhere in the file. Then the lead
    proves a withheld finding (Prove an item of a disclosure…) and the proof is checked
    against the package (Verify a proof…): PROVEN."""
    from reviewstation.app.demo import DEMO_USER, populate
    from reviewstation.crypto.identity import export_card
    from reviewstation.crypto.kdf import floor_params
    from reviewstation.packages import disclosure
    from reviewstation.vault.session import create_vault, open_vault

    vault = tmp_path / "Disclose.rsvault"
    create_vault(vault, DEMO_USER, DEMO_PASSPHRASE, role="lead", kdf=floor_params())
    populate(vault)
    vendor = tmp_path / "Vendor.rsvault"
    create_vault(vendor, "vera", DEMO_PASSPHRASE, role="lead", kdf=floor_params())
    card = tmp_path / "vera.card"
    with open_vault(vendor, DEMO_PASSPHRASE) as session:
        assert session.identity is not None
        card.write_bytes(
            export_card(session.identity, session.user.public_identity(session.vault_id))
        )
    with open_vault(vault, DEMO_PASSPHRASE, user=DEMO_USER) as session:
        assert disclosure.recipients(session.conn) == []  # the app records it below
        assert session.identity is not None
        signer = export_card(session.identity, session.user.public_identity(session.vault_id))
        others = [
            str(r[0])
            for r in session.conn.execute(
                "SELECT title FROM findings WHERE vendor != 'Demo Project'"
            )
        ]
    assert len(others) == 2
    package = tmp_path / "vera.rspkg"
    proof = tmp_path / "finding2.proof"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("QT_QPA_PLATFORM", "XDG_CONFIG_HOME", "XDG_DATA_HOME")
    }
    home = tmp_path / "home"
    env.update(
        DISPLAY=display,
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_RUNTIME_DIR=str(tmp_path / "run"),
        PYTHONPATH=os.pathsep.join([str(Path(__file__).parents[2]), env.get("PYTHONPATH", "")]),
    )
    (tmp_path / "run").mkdir(mode=0o700)
    errors = tmp_path / "stderr.log"
    with errors.open("wb") as err:
        app = subprocess.Popen(
            [sys.executable, str(DRIVER), str(vault)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
        helper = Helper(app)
        try:
            helper("user demo")
            focus_window(display, "Unlock")
            x(display, "xdotool", "type", "--delay", "15", DEMO_PASSPHRASE)
            x(display, "xdotool", "key", "Return")
            helper("main demo")
            x(display, "xdotool", "key", "--delay", "80", "alt+f", "d")
            assert "No recipient is recorded yet" in helper("recipients")
            x(display, "xdotool", "key", "alt+c")
            x(display, "xdotool", "type", "--delay", "15", str(card))
            x(display, "xdotool", "key", "alt+l")
            x(display, "xdotool", "type", "--delay", "15", "UNCLASSIFIED")
            x(display, "xdotool", "key", "alt+o")
            assert "vera may receive disclosures up to UNCLASSIFIED" in helper("recorded vera")
            helper("disclosure")
            focus_window(display, "Export a package")
            # Space ticks the box (it has the focus); Tab past the recipient and TLP choices.
            x(display, "xdotool", "key", "--delay", "40", "space", "Tab", "Tab", "Tab")
            x(display, "xdotool", "type", "--delay", "15", "Demo Project")
            policy = helper("policy")
            assert "Selective disclosure for vera, cleared for UNCLASSIFIED" in policy
            # The vendor's view: its finding; the others, the checklist run and the artifacts
            # its finding does not cite are withheld (finding 1 loses its link to the run).
            assert (
                "Withheld: finding 2, finding 3, artifact 1, artifact 2, artifact 3, run 1"
                in policy
            ), policy
            assert "left out): finding 1." in policy
            helper(f"finish {package}")
            assert package.is_file()
            # Finding 2 is withheld from vera; its proof opens the digest the package lists.
            assert "finding 2 (withheld)" in helper("prove finding 2")
            x(display, "xdotool", "type", "--delay", "15", str(proof))
            x(display, "xdotool", "key", "alt+w")
            assert f"written to {proof}" in helper("proved")
            signer_card = tmp_path / "demo.card"
            signer_card.write_bytes(signer)
            helper(f"trust {signer_card}")
            helper(f"check {package}")
            x(display, "xdotool", "type", "--delay", "15", str(proof))
            x(display, "xdotool", "key", "alt+h")
            verdict = helper("verdict")
            assert "PROVEN | PROVEN: finding 2 (finding, withheld in package" in verdict, verdict
            x(display, "xdotool", "key", "ctrl+l")
            focus_window(display, "Unlock")
            x(display, "xdotool", "key", "Escape")
            assert app.wait(30) == 0
        finally:
            if app.poll() is None:
                app.terminate()
                app.wait(10)
            for pipe in (app.stdin, app.stdout):
                if pipe is not None:
                    pipe.close()
    assert errors.read_text(errors="replace") == ""
    data = package.read_bytes()
    with zipfile.ZipFile(package) as archive:
        listing = json.loads(archive.read("disclosure.json"))
        data += b"".join(archive.read(n) for n in archive.namelist())
    assert listing["recipient"]["name"] == "vera"
    for title in others:
        assert title.encode() not in data, title
