"""The audit checkpoint a package carries, read for ``vault verify --package``.

Only the manifest is read; the checkpoint's own signature (checked by ``vault verify`` with the
vault's user keys) is what makes it evidence, so no trust in the package's signer is needed.
"""

from __future__ import annotations

from pathlib import Path

from reviewstation.canonical import loads_bounded
from reviewstation.packages import members
from reviewstation.packages.zipsafe import PackageRefused, SafeZip
from reviewstation.vault.audit import Checkpoint


def package_checkpoint(path: Path) -> tuple[str, Checkpoint]:
    """(source vault id, checkpoint) from a package's manifest."""
    with SafeZip(path) as archive:
        manifest = loads_bounded(archive.read(members.MANIFEST), "package manifest")
    try:
        return members.checkpoint_from_json(manifest.get("checkpoint"))
    except (AttributeError, ValueError) as exc:
        raise PackageRefused(f"{path.name} carries no readable audit checkpoint.") from exc
