"""The demo vault: a real vault with a published passphrase, for first runs and training."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from reviewstation.vault.header import header_path
from reviewstation.vault.session import create_vault

DEMO_USER = "demo"
DEMO_PASSPHRASE = "demo-passphrase"  # noqa: S105  (published on purpose)
DEMO_MARKING = "UNCLASSIFIED"
DEMO_NAME = "Demo.rsvault"


@dataclass(frozen=True)
class Demo:
    path: Path
    user: str
    passphrase: str


def data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "reviewstation"


def ensure_demo_vault(folder: Path | None = None) -> Demo:
    """Create the demo vault under ``folder`` (the user data folder by default) if missing."""
    folder = folder or data_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / DEMO_NAME
    if not header_path(path).exists():
        create_vault(path, DEMO_USER, DEMO_PASSPHRASE, role="lead", marking=DEMO_MARKING)
    return Demo(path, DEMO_USER, DEMO_PASSPHRASE)
