"""The audit checkpoint a package carries, read for ``vault verify --package``.

Only the manifest is read; the checkpoint's own signature (checked by ``vault verify`` with the
vault's user keys) is what makes it evidence, so no trust in the package's signer is needed.
"""

from __future__ import annotations

from pathlib import Path

from reviewstation.packages import members
from reviewstation.packages.manifest import parse_manifest
from reviewstation.vault.audit import Checkpoint
from reviewstation.ziparchive import HostileZip, PackageRefused


def package_checkpoint(path: Path) -> tuple[str, Checkpoint]:
    """(source vault id, checkpoint) from a package's manifest."""
    with HostileZip(path) as archive:
        try:
            manifest = parse_manifest(archive.read(members.MANIFEST))
        except PackageRefused as exc:
            raise PackageRefused(
                f"{path.name} carries no readable audit checkpoint ({exc})"
            ) from exc
    return manifest.checkpoint.vault_id, manifest.checkpoint.point
