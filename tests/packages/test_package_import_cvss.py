"""An imported finding's CVSS-B is computed here from its vector, never taken from the sender:
a package from before scores were named carries the vector's full score as its base score."""

from __future__ import annotations

import json
from pathlib import Path

from support.packages import export, members, sender
from support.vaults import PASS

from reviewstation.crypto.kdf import floor_params
from reviewstation.findings import query, service
from reviewstation.packages.importer import import_package
from reviewstation.vault.session import create_vault, open_vault

HQ = "headquarters passphrase"
# FIRST's calculator: CVSS-B 9.3, CVSS-BT 8.1 (tests/findings/test_cvss_first.py).
E_U = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U"


def test_imported_base_score_is_recomputed_from_the_vector(tmp_path: Path) -> None:
    alice = sender(tmp_path)
    with open_vault(alice.vault, PASS) as session:
        finding = service.update_finding(session, 1, cvss_vector=E_U)
        assert finding.cvss_score == 9.3
        # what an older ReviewStation stored (and exported) as "cvss_score": CVSS-BT
        session.conn.execute("UPDATE findings SET cvss_score = 8.1 WHERE id = 1")
    package = tmp_path / "p.rspkg"
    export(alice.vault, package)
    native = json.loads(members(package)["findings.json"])
    sent = native["findings"][0] if isinstance(native, dict) else native[0]
    assert sent["cvss_score"] == 8.1
    assert sent["cvss_scores"] == {"CVSS-B": 9.3, "CVSS-BT": 8.1}
    assert sent["cvss_nomenclature"] == "CVSS-BT"
    hq = tmp_path / "hq.rsvault"
    create_vault(hq, "hana", HQ, marking="CUI", kdf=floor_params())
    with open_vault(hq, HQ) as session:
        import_package(session, package, [alice.card])
        imported = query.all_findings(session.conn)[0]
    assert imported.cvss_vector == E_U
    assert imported.cvss_score == 9.3
    assert imported.cvss is not None and imported.cvss.summary() == (
        "CVSS-B 9.3 Critical, CVSS-BT 8.1 High"
    )
