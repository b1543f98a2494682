"""The audit checkpoint a package carries, read for ``vault verify --package``.

Only the manifest is read; the checkpoint's own signature (checked by ``vault verify`` with the
vault's user keys) is what makes it evidence, so no trust in the package's signer is needed.
"""

from __future__ import annotations

from pathlib import Path

from reviewstation.canonical import loads_bounded
from reviewstation.crypto.identity import unb64
from reviewstation.crypto.signing import HybridSignature
from reviewstation.packages import members
from reviewstation.vault.audit import Checkpoint
from reviewstation.ziparchive import HostileZip, PackageRefused


def package_checkpoint(path: Path) -> tuple[str, Checkpoint]:
    """(source vault id, checkpoint) from a package's manifest."""
    with HostileZip(path) as archive:
        manifest = loads_bounded(archive.read(members.MANIFEST), "package manifest")
    try:
        cp = manifest["checkpoint"]
        point = Checkpoint(
            int(cp["count"]),
            str(cp["head"]),
            str(cp["user"]),
            str(cp["at"]),
            HybridSignature(
                unb64(cp["sig_p384"], "checkpoint"), unb64(cp["sig_mldsa87"], "checkpoint")
            ),
        )
        return str(cp["vault_id"]), point
    except (KeyError, TypeError, ValueError) as exc:
        raise PackageRefused(f"{path.name} carries no readable audit checkpoint.") from exc
