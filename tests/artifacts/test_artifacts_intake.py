"""Intake, export and erase through the service layer: custody, duplicates, cancel, audit."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from support.artifact_files import blob_files
from support.vaults import PASS

from reviewstation.app.verify import verify_workspace
from reviewstation.artifacts import catalog, custody
from reviewstation.artifacts.custody import Custody
from reviewstation.artifacts.erase import erase_artifact
from reviewstation.artifacts.export import export_artifact
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.artifacts.stream import BlobCorrupt
from reviewstation.crypto.kdf import floor_params
from reviewstation.errors import Cancelled, InputError, NotFound, PermissionDenied
from reviewstation.progress import Progress
from reviewstation.reviews.service import set_status
from reviewstation.vault import accounts, audit
from reviewstation.vault.session import Session, open_vault

SMALL = 4096  # small chunks, so that test files span many of them


def actions(session: Session) -> list[str]:
    return [e.action for e in audit.entries(session.conn)]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_file_round_trip_with_custody(session: Session, review: int, src: Path) -> None:
    data = os.urandom(5 * SMALL + 123)
    (src / "weights.bin").write_bytes(data)
    result = add_artifacts(
        session,
        review,
        [src / "weights.bin"],
        custody=Custody("USB-0042", "Acme courier", "2026-11-20T09:30"),
        declared_sha256=sha256(data).upper(),
        chunk_size=SMALL,
    )
    [artifact] = result.added
    assert artifact.path == "weights.bin"
    assert artifact.size == len(data)
    assert artifact.sha256 == sha256(data)
    assert artifact.sha384 == hashlib.sha384(data).hexdigest()
    assert (artifact.medium, artifact.received_from) == ("USB-0042", "Acme courier")
    assert artifact.received_at == "2026-11-20T09:30:00"
    assert artifact.imported_by == "alice"
    assert artifact.declared_match is True and not result.mismatches
    assert len(blob_files(session.path)) == 1
    out = session.path.parent / "out.bin"
    export_artifact(session, artifact.uid, out)
    assert out.read_bytes() == data
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".partial")]
    assert actions(session)[-3:] == ["artifact.intake", "artifact.add", "artifact.export"]
    events = custody.events(session.conn, artifact.id)
    assert [e["event"] for e in events] == ["exported"]
    assert events[0]["details"]["to"] == str(out)


def test_folder_keeps_relative_paths_and_skips_links(
    session: Session, review: int, src: Path
) -> None:
    model = src / "model-x"
    (model / "shards" / "deep").mkdir(parents=True)
    (model / "config.json").write_text('{"a": 1}')
    (model / "shards" / "part-1.bin").write_bytes(b"1" * 10)
    (model / "shards" / "deep" / "part-2.bin").write_bytes(b"2" * 10)
    (model / "empty.txt").write_bytes(b"")
    (model / "link.bin").symlink_to(model / "config.json")
    (model / "linkdir").symlink_to(model / "shards")
    result = add_artifacts(session, review, [model])
    assert [a.path for a in result.added] == [
        "model-x/config.json",
        "model-x/empty.txt",
        "model-x/shards/part-1.bin",
        "model-x/shards/deep/part-2.bin",
    ]
    assert {s.path for s in result.skipped} == {"model-x/link.bin", "model-x/linkdir"}
    assert all("link" in s.reason for s in result.skipped)
    assert len({a.batch for a in result.added}) == 1
    config = catalog.get_artifact(session.conn, result.added[0].id)
    assert config.kind == "config"


def test_links_are_followed_only_when_asked(session: Session, review: int, src: Path) -> None:
    """A Hugging Face cache snapshot: files are links into a blob folder."""
    store = src / "blobs"
    store.mkdir()
    (store / "1f2e").write_bytes(b"weights")
    snapshot = src / "snapshot"
    snapshot.mkdir()
    (snapshot / "model.bin").symlink_to(store / "1f2e")
    (snapshot / "store").symlink_to(store)  # a linked folder: never followed
    (snapshot / "broken").symlink_to(src / "nowhere")
    with pytest.raises(InputError, match="nothing to add"):
        add_artifacts(session, review, [snapshot])  # every entry is a link: all skipped
    followed = add_artifacts(session, review, [snapshot], follow_links=True)
    assert [a.path for a in followed.added] == ["snapshot/model.bin"]
    assert followed.added[0].size == len(b"weights")
    assert {s.path for s in followed.skipped} == {"snapshot/store", "snapshot/broken"}
    (src / "named-link.bin").symlink_to(store / "1f2e")
    direct = add_artifacts(session, review, [src / "named-link.bin"], allow_duplicates=True)
    assert direct.added[0].path == "named-link.bin"


def test_declared_mismatch_is_recorded_and_audited(
    session: Session, review: int, src: Path
) -> None:
    (src / "model.gguf").write_bytes(b"not what they said")
    declared = "ab" * 32
    result = add_artifacts(session, review, [src / "model.gguf"], declared_sha256=declared)
    [artifact] = result.mismatches
    assert artifact.declared_sha256 == declared and artifact.declared_match is False
    entry = [e for e in audit.entries(session.conn) if e.action == "artifact.add"][-1]
    assert entry.details["declared_sha256_match"] is False
    assert entry.details["declared_sha256"] == declared
    report = verify_workspace(session.path, PASS)
    assert report.intact
    assert any("declared at intake" in n for n in report.notes)


def test_declared_sums_for_a_folder(session: Session, review: int, src: Path) -> None:
    model = src / "m"
    model.mkdir()
    (model / "a.bin").write_bytes(b"a")
    (model / "b.bin").write_bytes(b"b")
    sums = custody.parse_sums(
        f"{sha256(b'a')}  a.bin\n{'00' * 32} *b.bin\n{sha256(b'c')}  ./c.bin\n".encode()
    )
    result = add_artifacts(session, review, [model], declared_sums=sums)
    by_path = {a.path: a for a in result.added}
    assert by_path["m/a.bin"].declared_match is True
    assert by_path["m/b.bin"].declared_match is False
    assert result.declared_not_received == ["c.bin"]


def test_bad_declarations_are_refused_before_anything_is_written(
    session: Session, review: int, src: Path
) -> None:
    (src / "a").write_bytes(b"a")
    (src / "b").write_bytes(b"b")
    with pytest.raises(InputError, match="64 hexadecimal"):
        add_artifacts(session, review, [src / "a"], declared_sha256="xyz")
    with pytest.raises(InputError, match="exactly one file"):
        add_artifacts(session, review, [src / "a", src / "b"], declared_sha256="00" * 32)
    with pytest.raises(InputError, match="not like"):
        add_artifacts(session, review, [src / "a"], custody=Custody(received_at="yesterday"))
    with pytest.raises(InputError, match="printable"):
        add_artifacts(session, review, [src / "a"], custody=Custody(medium="USB\x1b[31m"))
    with pytest.raises(InputError, match="Unknown artifact kind"):
        add_artifacts(session, review, [src / "a"], kind="malware")
    with pytest.raises(InputError, match="does not exist"):
        add_artifacts(session, review, [src / "missing"])
    with pytest.raises(InputError, match="sha256"):
        custody.parse_sums(b"not a sums line\n")
    assert blob_files(session.path) == []


def test_duplicates_within_a_review_are_detected(session: Session, review: int, src: Path) -> None:
    (src / "one.bin").write_bytes(b"same content")
    (src / "two.bin").write_bytes(b"same content")
    first = add_artifacts(session, review, [src / "one.bin"]).added[0]
    again = add_artifacts(session, review, [src / "one.bin", src / "two.bin"])
    assert again.added == []
    assert {s.duplicate_of for s in again.skipped} == {first.uid}
    assert len(blob_files(session.path)) == 1  # the duplicates' blobs were removed
    assert actions(session).count("artifact.duplicate_skipped") == 2
    kept = add_artifacts(session, review, [src / "two.bin"], allow_duplicates=True).added[0]
    assert kept.duplicate_of == first.uid
    # Within one batch, too.
    (src / "three.bin").write_bytes(b"fresh")
    (src / "four.bin").write_bytes(b"fresh")
    batch = add_artifacts(session, review, [src / "three.bin", src / "four.bin"])
    assert [a.path for a in batch.added] == ["three.bin"]
    assert batch.skipped[0].duplicate_of == batch.added[0].uid


@pytest.mark.parametrize("how", ["event", "callable"])
def test_cancel_leaves_nothing_behind(session: Session, review: int, src: Path, how: str) -> None:
    (src / "a.bin").write_bytes(os.urandom(3 * SMALL))
    (src / "b.bin").write_bytes(os.urandom(20 * SMALL))
    flag = threading.Event()
    seen: list[Progress] = []

    def progress(p: Progress) -> None:
        seen.append(p)
        if p.item == "b.bin" and p.done > 3 * SMALL + 2 * SMALL:
            flag.set()

    before = actions(session)
    cancel: Any = flag if how == "event" else flag.is_set
    with pytest.raises(Cancelled):
        add_artifacts(
            session,
            review,
            [src / "a.bin", src / "b.bin"],
            chunk_size=SMALL,
            progress=progress,
            cancel=cancel,
        )
    assert blob_files(session.path) == []
    assert catalog.list_artifacts(session.conn) == []
    assert actions(session) == before
    assert [p.done for p in seen] == sorted(p.done for p in seen)
    assert seen[-1].total == 23 * SMALL


def test_progress_reaches_the_total(session: Session, review: int, src: Path) -> None:
    (src / "a.bin").write_bytes(os.urandom(7 * SMALL + 5))
    seen: list[Progress] = []
    add_artifacts(session, review, [src / "a.bin"], chunk_size=SMALL, progress=seen.append)
    assert seen[-1].done == seen[-1].total == 7 * SMALL + 5
    assert {p.stage for p in seen} == {"import"}


def test_a_file_that_changes_while_read_is_refused(
    session: Session, review: int, src: Path
) -> None:
    path = src / "growing.bin"
    path.write_bytes(b"x" * (4 * SMALL))

    def grow(p: Progress) -> None:
        if p.done == SMALL:
            with path.open("ab") as handle:
                handle.write(b"more")

    with pytest.raises(InputError, match="changed while it was read"):
        add_artifacts(session, review, [path], chunk_size=SMALL, progress=grow)
    assert blob_files(session.path) == []


def test_who_may_take_in(vault: Path, session: Session, review: int, src: Path) -> None:
    (src / "a.bin").write_bytes(b"a")
    accounts.add_user(session, "audrey", "auditor", "auditor passphrase ok", floor_params())
    set_status(session, review, "in_review")
    session.close()
    with (
        open_vault(vault, "auditor passphrase ok", user="audrey") as auditor,
        pytest.raises(PermissionDenied, match="auditor"),
    ):
        add_artifacts(auditor, review, [src / "a.bin"])
    with (
        open_vault(vault, PASS, user="alice", mode="read") as reader,
        pytest.raises(PermissionDenied, match="read-only"),
    ):
        add_artifacts(reader, review, [src / "a.bin"])
    with open_vault(vault, PASS, user="alice") as lead:
        with pytest.raises(NotFound):
            add_artifacts(lead, 999, [src / "a.bin"])
        for status in ("findings_drafted", "approved", "exported", "closed"):
            set_status(lead, review, status)
        with pytest.raises(PermissionDenied, match="closed"):
            add_artifacts(lead, review, [src / "a.bin"])
    assert blob_files(vault) == []


def test_export_refuses_to_overwrite_or_write_into_the_vault(
    session: Session, review: int, src: Path
) -> None:
    (src / "a.bin").write_bytes(b"content")
    artifact = add_artifacts(session, review, [src / "a.bin"]).added[0]
    existing = src / "exists.bin"
    existing.write_bytes(b"keep me")
    with pytest.raises(InputError, match="already exists"):
        export_artifact(session, artifact.id, existing)
    assert existing.read_bytes() == b"keep me"
    with pytest.raises(InputError, match="outside the vault"):
        export_artifact(session, artifact.id, session.path / "plain.bin")
    with pytest.raises(InputError, match="does not exist"):
        export_artifact(session, artifact.id, src / "nowhere" / "x.bin")


@pytest.mark.parametrize("chunk", [0, 2, 5], ids=["first chunk", "middle chunk", "final chunk"])
def test_export_of_a_tampered_blob_writes_nothing(
    session: Session, review: int, src: Path, chunk: int
) -> None:
    data = os.urandom(6 * SMALL)
    (src / "a.bin").write_bytes(data)
    artifact = add_artifacts(session, review, [src / "a.bin"], chunk_size=SMALL).added[0]
    [blob] = blob_files(session.path)
    raw = bytearray(blob.read_bytes())
    header, unit = len(raw) - 6 * (SMALL + 16), SMALL + 16
    raw[header + chunk * unit + 100] ^= 1  # earlier chunks decrypt, and are written, first
    blob.write_bytes(bytes(raw))
    out = src / "out.bin"
    before = actions(session)
    with pytest.raises(BlobCorrupt, match=f"chunk {chunk} failed authentication"):
        export_artifact(session, artifact.id, out)
    assert not out.exists()
    assert sorted(p.name for p in src.iterdir()) == ["a.bin"]
    assert actions(session) == before
    assert not [t for t in threading.enumerate() if t.name in ("write-behind", "sync-behind")]


@pytest.mark.parametrize("stop_after", [0, 2, 7])
def test_export_can_be_cancelled(session: Session, review: int, src: Path, stop_after: int) -> None:
    (src / "a.bin").write_bytes(os.urandom(8 * SMALL))
    artifact = add_artifacts(session, review, [src / "a.bin"], chunk_size=SMALL).added[0]
    flag = threading.Event()

    def progress(p: Progress) -> None:
        if p.done >= stop_after * SMALL:
            flag.set()

    before = actions(session)
    with pytest.raises(Cancelled):
        export_artifact(session, artifact.id, src / "out.bin", progress=progress, cancel=flag)
    assert sorted(p.name for p in src.iterdir()) == ["a.bin"]  # no file, no .partial
    assert actions(session) == before
    assert custody.events(session.conn, artifact.id) == []
    assert not [t for t in threading.enumerate() if t.name in ("write-behind", "sync-behind")]


@pytest.mark.parametrize("size", [0, 1, 3 * SMALL, 5 * SMALL + 7])
def test_export_reports_progress_in_order_up_to_the_size(
    session: Session, review: int, src: Path, size: int
) -> None:
    data = os.urandom(size)
    (src / "a.bin").write_bytes(data)
    artifact = add_artifacts(session, review, [src / "a.bin"], chunk_size=SMALL).added[0]
    seen: list[Progress] = []
    export_artifact(session, artifact.id, src / "out.bin", progress=seen.append)
    assert (src / "out.bin").read_bytes() == data
    done = [p.done for p in seen]
    assert done == sorted(done) and done[0] == 0 and done[-1] == size
    assert {(p.total, p.item) for p in seen} == {(size, "a.bin")}


def test_read_only_sessions_cannot_export_unaudited(
    vault: Path, session: Session, review: int, src: Path
) -> None:
    (src / "a.bin").write_bytes(b"a")
    artifact = add_artifacts(session, review, [src / "a.bin"]).added[0]
    session.close()
    with (
        open_vault(vault, PASS, mode="read") as reader,
        pytest.raises(PermissionDenied, match="audited"),
    ):
        export_artifact(reader, artifact.id, src / "out.bin")


def test_erase_destroys_the_key_and_the_blob(
    vault: Path, session: Session, review: int, src: Path
) -> None:
    (src / "a.bin").write_bytes(b"secret weights")
    artifact = add_artifacts(session, review, [src / "a.bin"]).added[0]
    with pytest.raises(InputError, match="reason"):
        erase_artifact(session, artifact.id, "  ")
    erased = erase_artifact(session, artifact.id, "imported from the wrong medium")
    assert erased.erased and erased.wrapped_key is None and erased.blob is None
    assert erased.erased_by == "alice"
    assert blob_files(vault) == []
    assert erased.sha256 == artifact.sha256  # the record stays
    with pytest.raises(InputError, match="erased"):
        export_artifact(session, artifact.id, src / "out.bin")
    with pytest.raises(InputError, match="already erased"):
        erase_artifact(session, artifact.id, "again")
    assert [e["event"] for e in custody.events(session.conn, artifact.id)] == ["erased"]
    assert verify_workspace(vault, PASS, full=True).intact
    # Taking the same content in again is allowed: the erased one is no duplicate.
    again = add_artifacts(session, review, [src / "a.bin"]).added[0]
    assert again.duplicate_of is None


def test_only_leads_erase(vault: Path, session: Session, review: int, src: Path) -> None:
    (src / "a.bin").write_bytes(b"a")
    artifact = add_artifacts(session, review, [src / "a.bin"]).added[0]
    accounts.add_user(session, "rita", "reviewer", "reviewer passphrase ok", floor_params())
    session.close()
    with (
        open_vault(vault, "reviewer passphrase ok", user="rita") as reviewer,
        pytest.raises(PermissionDenied, match="lead"),
    ):
        erase_artifact(reviewer, artifact.id, "no")


def test_unknown_artifacts_are_not_found(session: Session) -> None:
    with pytest.raises(NotFound):
        catalog.get_artifact(session.conn, 42)
    with pytest.raises(NotFound):
        catalog.get_artifact(session.conn, "no-such-uid")
