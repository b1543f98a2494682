"""Triage labels: who may add, confirm and dispute them (the findings' two-person rule), what
is refused, that every write is audited, search, and what invalidates a solve."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from support.inspect_logs import sample, write_eval
from support.vaults import PASS, make_vault

from reviewstation.artifacts.intake import add_artifacts
from reviewstation.crypto.kdf import floor_params
from reviewstation.errors import InputError, NotFound, PermissionDenied
from reviewstation.findings import triage
from reviewstation.reviews.service import create_review, set_status
from reviewstation.vault import accounts, audit
from reviewstation.vault.database import DatabaseError
from reviewstation.vault.session import open_vault

LEAD2 = "second lead passphrase"
RITA = "rita passphrase"


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    chat = [
        {"role": "user", "content": "find the flag", "id": "m-user"},
        {"role": "assistant", "content": "cat /flag", "id": "m-answer"},
    ]
    log = write_eval(
        tmp_path / "run.eval",
        [sample(i, "C" if i % 2 else "I", messages=chat) for i in range(1, 6)],
    )
    path = make_vault(tmp_path)
    with open_vault(path, PASS) as session:
        create_review(session, title="Model X", developer="Lab", model_name="X-1")
        accounts.add_user(session, "lena", "lead", LEAD2, kdf=floor_params())
        accounts.add_user(session, "rita", "reviewer", RITA, kdf=floor_params())
        add_artifacts(session, 1, [log])
    return path


def _open(vault: Path, who: str):  # type: ignore[no-untyped-def]
    secret = {"alice": PASS, "lena": LEAD2, "rita": RITA}[who]
    return open_vault(vault, secret, user=who)


def test_a_label_and_its_two_person_decision(vault: Path) -> None:
    with _open(vault, "rita") as rita:
        item = triage.add_label(rita, 1, "3", "out-of-scope", "read /flag", part="message:1")
        assert (item.sample, item.part, item.status, item.author) == (
            "3@1",
            "message:1",
            "open",
            "rita",
        )
        assert item.ref.endswith("#3@1/message:1") and len(item.sample_digest) == 96
        assert triage.invalidated(rita.conn, [item.artifact_uid]) == {}
        with pytest.raises(PermissionDenied, match="needs the role lead"):
            triage.confirm(rita, item.id)
    with _open(vault, "alice") as alice:
        mine = triage.add_label(alice, 1, "5@1", "reward-hacking", part="message:m-answer")
        with pytest.raises(PermissionDenied, match=r"you wrote it.*this lead can: lena"):
            triage.confirm(alice, mine.id)
        confirmed = triage.confirm(alice, item.uid, "agreed")
        assert (confirmed.status, confirmed.decided_by, confirmed.reason) == (
            "confirmed",
            "alice",
            "agreed",
        )
        assert confirmed.invalidates
        assert triage.invalidated(alice.conn, [item.artifact_uid]) == {item.artifact_uid: ["3@1"]}
        with pytest.raises(InputError, match="already confirmed"):
            triage.confirm(alice, item.uid)
    with _open(vault, "lena") as lena:
        disputed = triage.dispute(lena, item.id, "the flag was given in the prompt")
        assert (disputed.status, disputed.decided_by) == ("disputed", "lena")
        assert triage.invalidated(lena.conn, [item.artifact_uid]) == {}
        triage.confirm(lena, mine.id)
        actions = [(e.user, e.action, e.target) for e in audit.entries(lena.conn)]
    assert ("rita", "triage.add", item.uid) in actions
    assert ("alice", "triage.confirm", item.uid) in actions
    assert ("lena", "triage.dispute", item.uid) in actions
    assert ("lena", "triage.confirm", mine.uid) in actions


BAD = [
    ({"label": "cheating"}, InputError, "Unknown triage label"),
    ({"sample": "99@1"}, NotFound, "no sample"),
    ({"sample": "1@x"}, NotFound, "no sample"),  # an id may hold @: no such sample
    ({"part": "message:7"}, NotFound, "2 messages; there is no message 7"),
    ({"part": "message:nope"}, NotFound, "no message with the id 'nope'"),
    ({"part": "event:999"}, NotFound, "no event 999"),
    ({"part": "tool:1"}, InputError, "message:N"),
    ({"note": "bad\x1b[31m"}, InputError, "triage note"),
]


@pytest.mark.parametrize(("change", "error", "message"), BAD)
def test_bad_input_is_refused_and_changes_nothing(
    vault: Path, change: dict[str, str], error: type[Exception], message: str
) -> None:
    args = {"sample": "1@1", "label": "out-of-scope", "note": "", **change}
    with _open(vault, "rita") as rita:
        before = len(list(audit.entries(rita.conn)))
        with pytest.raises(error, match=message):
            triage.add_label(
                rita, 1, args["sample"], args["label"], args["note"], change.get("part")
            )
        assert triage.list_labels(rita.conn) == []
        assert len(list(audit.entries(rita.conn))) == before


def test_who_cannot_label(vault: Path) -> None:
    with _open(vault, "alice") as alice:
        accounts.add_user(alice, "otto", "auditor", "otto passphrase", kdf=floor_params())
    with (
        open_vault(vault, "otto passphrase", user="otto") as otto,
        pytest.raises(PermissionDenied, match="auditor"),
    ):
        triage.add_label(otto, 1, "1@1", "in-scope")
    with _open(vault, "rita") as rita:
        item = triage.add_label(rita, 1, "1@1", "in-scope")
    with _open(vault, "alice") as alice:
        for status in ("in_review", "findings_drafted", "approved", "exported", "closed"):
            set_status(alice, 1, status)
    with _open(vault, "rita") as rita, pytest.raises(PermissionDenied, match="closed"):
        triage.add_label(rita, 1, "2@1", "in-scope")
    with _open(vault, "lena") as lena, pytest.raises(PermissionDenied, match="closed"):
        triage.confirm(lena, item.id)


def test_labels_are_never_deleted_nor_rewritten(vault: Path) -> None:
    with _open(vault, "rita") as rita:
        item = triage.add_label(rita, 1, "1@1", "scorer-error", "the scorer accepted 'flag'")
        for statement in (
            "DELETE FROM triage_labels",
            "UPDATE triage_labels SET label = 'in-scope'",
            "UPDATE triage_labels SET note = 'x', sample = '2@1'",
        ):
            with pytest.raises(DatabaseError):
                rita.conn.execute(statement)
        assert triage.get_label(rita.conn, item.id) == item
        with pytest.raises(DatabaseError):  # the schema's own two-person check
            rita.conn.execute(
                "UPDATE triage_labels SET status = 'confirmed', decided_by = 'rita',"
                " decided = '2026-12-07T00:00:00Z'"
            )


def test_search_and_filters(vault: Path) -> None:
    with _open(vault, "rita") as rita:
        one = triage.add_label(rita, 1, "1@1", "sandbox-escape-attempt", "probed docker.sock")
        two = triage.add_label(rita, 1, "2@1", "needs-discussion", "unclear whether allowed")
    with _open(vault, "alice") as alice:
        triage.dispute(alice, two.id, "allowed by the task's rules")
        assert triage.list_labels(alice.conn, search="docker") == [
            triage.get_label(alice.conn, one.id)
        ]
        assert [i.id for i in triage.list_labels(alice.conn, search="rules")] == [two.id]
        assert [i.id for i in triage.list_labels(alice.conn, search="rita")] == [one.id, two.id]
        assert [i.id for i in triage.list_labels(alice.conn, status="disputed")] == [two.id]
        assert [i.id for i in triage.list_labels(alice.conn, sample="1@1")] == [one.id]
        assert triage.list_labels(alice.conn, search="docker AND NOT") == []  # words, not syntax
        with pytest.raises(InputError, match="Unknown triage status"):
            triage.list_labels(alice.conn, status="maybe")
        counts = triage.summary(triage.list_labels(alice.conn))
        assert counts["sandbox-escape-attempt"] == {"open": 1, "confirmed": 0, "disputed": 0}


def test_store_checks_records_from_anywhere(vault: Path) -> None:
    with _open(vault, "rita") as rita:
        item = triage.add_label(rita, 1, "1@1", "out-of-scope")
    record = triage.LabelRecord(
        uid=item.uid,
        review_id=1,
        artifact_uid=item.artifact_uid,
        sample=item.sample,
        sample_digest=item.sample_digest,
        part=None,
        label="out-of-scope",
        note="",
        author="rita",
        created=item.created,
    )
    for change, message in (
        ({"status": "confirmed"}, "names who decided"),
        ({"status": "confirmed", "decided_by": "rita", "decided": item.created}, "other than"),
        ({"sample_digest": "00"}, "digest"),
        ({"sample": "1"}, "ID@EPOCH"),
        ({"uid": "x"}, "UUID"),
    ):
        with pytest.raises(InputError, match=message):
            triage.check_record(dataclasses.replace(record, **change))  # type: ignore[arg-type]
    with _open(vault, "alice") as alice:
        decided = dataclasses.replace(
            record, status="confirmed", decided_by="lena", decided=item.created
        )
        with alice.change("test.import") as conn:
            assert triage.upsert_label(conn, decided) == (item.id, True)
            assert triage.upsert_label(conn, decided) == (item.id, False)
            with pytest.raises(InputError, match="differs"):
                triage.upsert_label(conn, dataclasses.replace(decided, note="other"))
        assert triage.get_label(alice.conn, item.id).invalidates


@pytest.mark.parametrize(
    ("typed", "key", "invalidated"),
    [
        ("q@2@1", "q@2@1", ("q@2", 1)),  # an id holding '@': the epoch is after the last '@'
        ("q@2", "q@2", ("q", 2)),  # id q, epoch 2
    ],
)
def test_a_sample_id_holding_at_names_the_right_sample(
    tmp_path: Path, typed: str, key: str, invalidated: tuple[str, int]
) -> None:
    from reviewstation.analysis.comparison import _sample_key

    log = write_eval(
        tmp_path / "odd.eval",
        [sample("q@2", "C"), sample("q", "C", epoch=2), sample("q", "C")],
    )
    path = make_vault(tmp_path)
    with open_vault(path, PASS) as alice:
        create_review(alice, title="Model X", developer="Lab", model_name="X-1")
        accounts.add_user(alice, "lena", "lead", LEAD2, kdf=floor_params())
        add_artifacts(alice, 1, [log])
        label = triage.add_label(alice, 1, typed, "out-of-scope")
    with open_vault(path, LEAD2, user="lena") as lena:
        triage.confirm(lena, label.uid)
        (keys,) = triage.invalidated(lena.conn, [label.artifact_uid]).values()
    assert label.sample == key and [_sample_key(k) for k in keys] == [invalidated]
