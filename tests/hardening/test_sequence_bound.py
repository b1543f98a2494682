"""A package's sequence number cannot lock its signer out (issue 13, class 9).

A re-sealed package (signed with the sender's real key by a modified build) carries a
sequence number far ahead; if the receiver accepted it, every later real package of that
signer would be "older" for good. The receiver refuses a number more than
``MAX_SEQUENCE_STEP`` above the last one imported from the signer, with one line, and the
signer's real packages keep importing. A new case is one row in ``SEQUENCES``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.packages import Sender, export, sender
from support.vaults import PASS, make_vault

from reviewstation.packages import export as export_mod
from reviewstation.packages.importer import MAX_SEQUENCE_STEP, import_package
from reviewstation.vault.session import open_vault
from reviewstation.ziparchive import PackageRefused

# name: (sequence numbers of the re-sealed packages, in the order they arrive; the last one's
# fate: True = imported, False = refused). The signer's real next package must import after.
SEQUENCES: dict[str, tuple[list[int], bool]] = {
    "near 2^53": ([2**53 - 1], False),
    "2^53 - 2 after a real one": ([1, 2**53 - 2], False),
    "just above the step": ([MAX_SEQUENCE_STEP + 1], False),
    "at the step (accepted)": ([MAX_SEQUENCE_STEP], True),
    "one step above the last": ([5, 5 + MAX_SEQUENCE_STEP + 1], False),
}


@pytest.fixture(scope="module")
def alice_template(tmp_path_factory: pytest.TempPathFactory) -> Sender:
    return sender(tmp_path_factory.mktemp("alice"))


@pytest.mark.parametrize("case", sorted(SEQUENCES))
def test_a_sequence_far_ahead_never_locks_the_signer_out(
    alice_template: Sender, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    numbers, accepted = SEQUENCES[case]
    vault = tmp_path / "alice.rsvault"
    shutil.copytree(alice_template.vault, vault)
    alice = Sender(vault, alice_template.card, alice_template.evidence)
    (tmp_path / "hq").mkdir()
    hq = make_vault(tmp_path / "hq")
    packages = []
    for i, number in enumerate(numbers):  # a modified build seals the number it is given
        monkeypatch.setattr(export_mod, "_next_sequence", lambda _s, n=number: n)
        packages.append(tmp_path / f"resealed{i}.rspkg")
        export(alice.vault, packages[-1])
    monkeypatch.undo()
    with open_vault(hq, PASS) as session:
        for package in packages[:-1]:
            import_package(session, package, [alice.card])
        if accepted:
            import_package(session, packages[-1], [alice.card])
        else:
            with pytest.raises(PackageRefused) as caught:
                import_package(session, packages[-1], [alice.card])
            text = str(caught.value)
            assert "\n" not in text and f"{MAX_SEQUENCE_STEP:,}" in text, text
        # The signer's real next package (their own count goes on from the last real one):
        # it imports, so nothing far ahead locked them out.
        if not accepted:
            real = tmp_path / "real.rspkg"
            following = max(numbers[:-1], default=0) + 1
            monkeypatch.setattr(export_mod, "_next_sequence", lambda _s: following)
            export(alice.vault, real)
            assert not import_package(session, real, [alice.card]).already
