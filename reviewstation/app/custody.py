"""What the person at the intake desk declares, typed once for both front ends: the medium,
who handed it over, when, and the hashes the sender declared (one SHA-256, or a ``sha256sum``
list for several files). Used by artifact intake and by package import.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reviewstation.artifacts.custody import Custody, parse_sha256, parse_sums
from reviewstation.artifacts.intake import IntakeResult, add_artifacts
from reviewstation.progress import CancelFlag, ProgressCallback, check_cancel
from reviewstation.vault.session import Session


@dataclass(frozen=True)
class CustodyForm:
    medium: str = ""
    received_from: str = ""
    received_at: str = ""  # 2026-11-23 or 2026-11-23T14:05; "" when not recorded
    declared: str = ""  # one SHA-256, or sha256sum lines ("<sha256>  <name>")

    def custody(self) -> Custody:
        """The intake facts, checked (a one-line InputError when one is malformed)."""
        return Custody(self.medium, self.received_from, self.received_at).checked()

    def declared_hashes(self) -> tuple[str | None, dict[str, str] | None]:
        """(one SHA-256, or None; a name → SHA-256 list, or None), checked."""
        lines = [line for line in self.declared.strip().splitlines() if line.strip()]
        if not lines:
            return None, None
        if len(lines) == 1 and len(lines[0].split()) == 1:
            return parse_sha256(lines[0]), None
        return None, parse_sums("\n".join(lines).encode("utf-8"))

    def check(self) -> None:
        """Every field, so a form can say what is wrong before any work starts."""
        self.custody()
        self.declared_hashes()


def import_artifacts(
    session: Session,
    review_id: int,
    sources: Sequence[Path],
    form: CustodyForm,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelFlag = None,
) -> IntakeResult:
    """The artifact intake with the declared custody (a mismatch is recorded, not refused)."""
    single, sums = form.declared_hashes()
    return add_artifacts(
        session,
        review_id,
        sources,
        custody=form.custody(),
        declared_sha256=single,
        declared_sums=sums,
        progress=progress,
        cancel=cancel,
    )


def file_sha256(path: Path, cancel: CancelFlag = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            check_cancel(cancel, "hashing of the package")
            digest.update(chunk)
    return digest.hexdigest()
