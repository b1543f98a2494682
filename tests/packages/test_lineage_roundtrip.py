"""Lineage survives a round trip with every kind of field: a realistic review (VEX ranges,
source locations, CVSS, non-Latin text, approved findings) sent to a reviewer and sent back
unchanged stages as identical, because an import stores each finding's content unchanged and
so starts its lineage with the digest of the state that travelled."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from support.packages import DESIGNATION
from support.realistic import MARKING, build_vault, export
from support.vaults import PASS, make_vault

from reviewstation.packages.export import export_package
from reviewstation.packages.importer import import_package
from reviewstation.packages.staging import opened, stage_package
from reviewstation.vault.session import open_vault


def test_a_review_sent_back_unchanged_is_identical(tmp_path: Path) -> None:
    lead = build_vault(tmp_path)
    sent = export(lead, tmp_path / "sent.rspkg")
    with open_vault(lead, PASS, user="alice") as session:
        lead_card = session.user.public_identity(session.vault_id)
    (tmp_path / "reviewer").mkdir()
    reviewer = make_vault(tmp_path / "reviewer", user="rita", marking=MARKING)
    with open_vault(reviewer, PASS) as session:
        review = import_package(session, sent.path, [lead_card]).review_id
        back = export_package(
            session, review, tmp_path / "back.rspkg", designation=DESIGNATION
        ).path
        card = session.user.public_identity(session.vault_id)
    ours = {f["uid"]: f["lineage"] for f in json.loads(sent.members["findings.json"])["findings"]}
    with open_vault(lead, PASS, user="alice") as session, opened(session, back, [card]) as pkg:
        staging = stage_package(session, pkg, None)
    with zipfile.ZipFile(back) as archive:
        theirs = json.loads(archive.read("findings.json"))["findings"]
    assert len(ours) >= 3
    for finding in theirs:
        assert finding["lineage"][0]["digest"] == ours[finding["uid"]][-1]["digest"]
    assert staging.review_id == 1
    assert {i.kind for i in staging.items} >= {"finding", "answer"}
    assert {i.status for i in staging.items} == {"identical"}, [
        (i.key, i.status, [f.field for f in i.fields])
        for i in staging.items
        if i.status != "identical"
    ]
