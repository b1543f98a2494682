"""installer/requirements-bullseye.lock stays the main lock plus installer/bullseye-pins.txt.

The glibc 2.31 bundle (installer/bullseye.sh) installs from its own lock. If the main lock moves
(a security update of cryptography, say) and the bullseye lock does not, the bundle that ships
would silently keep the old version: `make lock-bullseye` (installer/lock.sh bullseye) must be run
with every `make lock`. This test fails until it is.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MAIN = REPO / "installer" / "requirements.lock"
BULLSEYE = REPO / "installer" / "requirements-bullseye.lock"
PINS = REPO / "installer" / "bullseye-pins.txt"


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(text: str) -> dict[str, str]:
    return {
        normalize(m[1]): m[2] for m in re.finditer(r"^([A-Za-z0-9_.-]+)==(\S+)", text, re.MULTILINE)
    }


def required_by(text: str) -> dict[str, set[str]]:
    """For each pinned package, the packages its `# via` comment names (pip-compile's output)."""
    via: dict[str, set[str]] = {}
    current = ""
    for line in text.splitlines():
        if match := re.match(r"^([A-Za-z0-9_.-]+)==", line):
            current = normalize(match[1])
            via[current] = set()
        elif (
            current
            and (match := re.match(r"^\s+#\s+(?:via\s+)?([A-Za-z0-9_.-]+)", line))
            and match[1] != "via"
        ):
            via[current].add(normalize(match[1]))
    return via


def bullseye_pins() -> dict[str, str]:
    lines = [
        line.strip()
        for line in PINS.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return pins("\n".join(lines))


def test_pins_are_applied() -> None:
    locked = pins(BULLSEYE.read_text(encoding="utf-8"))
    wanted = bullseye_pins()
    assert wanted, "bullseye-pins.txt pins nothing"
    for name, version in wanted.items():
        assert locked.get(name) == version, (name, locked.get(name), version)


def test_only_the_pinned_packages_differ_from_the_main_lock() -> None:
    main = pins(MAIN.read_text(encoding="utf-8"))
    text = BULLSEYE.read_text(encoding="utf-8")
    bullseye = pins(text)
    assert set(main) == set(bullseye), "the two locks name different packages: make lock-bullseye"
    pinned = set(bullseye_pins())
    via = required_by(text)
    differing = {name for name in main if main[name] != bullseye[name]}
    # A pinned package, or one that only pinned packages require (shiboken6 for PySide6).
    allowed = pinned | {name for name, parents in via.items() if parents and parents <= pinned}
    stale = sorted(differing - allowed)
    assert not stale, f"{stale} differ from requirements.lock: run `make lock-bullseye`"


def test_via_parsing_sees_single_and_multiple_parents() -> None:
    text = "a==1 \\\n    # via b\nc==2 \\\n    # via\n    #   d\n    #   e\n"
    assert required_by(text) == {"a": {"b"}, "c": {"d", "e"}}
