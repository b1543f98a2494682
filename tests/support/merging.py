"""Three reviewers and a lead: the packages a merge with a staging diff is tested with.

The lead (alice, with a second lead erin who approved one finding) sends her review to bob,
carol and dave; each imports it into a vault of their own, works on it and sends a package
back. bob raises the overflow's severity, answers a checklist item, adds a finding, rewrites
the approved finding's body, starts a second checklist run and links a file of his (sent as
evidence) to the overflow; carol lowers the same severity and changes its CWE, and rewrites
the note of the answer bob changed (genuine conflicts with bob's once bob's is merged); dave
changes nothing.

Triage labels (issue 18 item 2) on two Inspect logs of the review (A solves samples 1-2, B
solves 1-5): alice labels B's sample 4 ``reward-hacking`` (open) and A's sample 1 ``in-scope``
(erin confirms it); both travel with the logs. bob confirms the reward-hacking label in his
vault and adds a new ``out-of-scope`` label on B's sample 3 (open: he wrote it); carol and dave
leave the labels as they came (the confirmed one comes back identical, its names travelled
there and back).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reviewstation.app.identity import export_identity
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.checklists.runs import set_answer, start_run
from reviewstation.crypto.identity import PublicIdentity
from reviewstation.crypto.kdf import floor_params
from reviewstation.evidence import EvidenceRef
from reviewstation.findings import service as findings
from reviewstation.findings import triage
from reviewstation.packages.export import export_package
from reviewstation.packages.importer import import_package
from reviewstation.reviews.service import create_review
from reviewstation.vault.accounts import add_user
from reviewstation.vault.session import open_vault
from support.inspect_logs import sample, write_eval
from support.vaults import PASS, make_vault

VECTOR = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
REVIEWERS = ("bob", "carol", "dave")


@dataclass
class Team:
    lead: Path
    cards: list[PublicIdentity]  # the three reviewers'
    packages: dict[str, Path]  # reviewer -> the package they sent back
    sent: Path  # the lead's package to the reviewers
    overflow: str  # finding uids
    jailbreak: str
    item: str  # the checklist item everyone sees
    card_files: list[Path]  # the reviewers' identity cards, as files
    notes: str  # the artifact uid of bob's evidence file, linked to the overflow
    logs: tuple[str, str] = ("", "")  # the artifact uids of runs A and B
    hacking: str = ""  # label uids: B 4@1 reward-hacking (bob confirms it)
    in_scope: str = ""  # A 1@1 in-scope, confirmed by erin before it travelled
    bobs_label: str = ""  # B 3@1 out-of-scope, new from bob (open)


def card(vault: Path, user: str | None = None) -> PublicIdentity:
    with open_vault(vault, PASS, user=user) as session:
        return session.user.public_identity(session.vault_id)


def build_team(tmp: Path) -> Team:
    """alice's review sent to bob, carol and dave, and each one's package back."""
    (tmp / "lead").mkdir()
    lead = make_vault(tmp / "lead", user="alice")
    with open_vault(lead, PASS) as session:
        add_user(session, "erin", "lead", PASS, kdf=floor_params())
        create_review(session, title="Model X", developer="Lab A", model_name="X-1")
        overflow = findings.add_finding(
            session,
            1,
            title="Heap overflow in libfoo",
            severity="high",
            kind="vulnerability",
            cvss_vector=VECTOR,
            cwe="CWE-787",
            vex_status="affected",
            action_statement="Update libfoo.",
        )
        jailbreak = findings.add_finding(
            session, 1, title="Role-play jailbreak", severity="medium", body="First notes."
        )
        run = start_run(session, 1, "intake-custody")
        item = run.template.items[0].id
        set_answer(session, run.id, item, status="open", note="to check")
        run_a = write_eval(tmp / "a.eval", [sample(i, "C" if i < 3 else "I") for i in range(1, 6)])
        run_b = write_eval(tmp / "b.eval", [sample(i, "C") for i in range(1, 6)])
        logs = tuple(a.uid for a in add_artifacts(session, 1, [run_a, run_b]).added)
        hacking = triage.add_label(session, logs[1], "4@1", "reward-hacking", "edited the test")
        in_scope = triage.add_label(session, logs[0], "1@1", "in-scope", "fair solve")
    with open_vault(lead, PASS, user="erin") as session:
        findings.set_status(session, jailbreak.id, "confirmed")
        findings.set_status(session, jailbreak.id, "approved")  # erin approves alice's finding
        triage.confirm(session, in_scope.uid, "agreed")
    sent = tmp / "to-reviewers.rspkg"
    with open_vault(lead, PASS, user="alice") as session:
        export_package(session, 1, sent, evidence=list(logs))
    lead_card = card(lead, "alice")
    cards, packages, files, notes_uid, bobs_label = [], {}, [], "", ""
    for who in REVIEWERS:
        (tmp / who).mkdir()
        vault = make_vault(tmp / who, user=who)
        with open_vault(vault, PASS) as session:
            review = import_package(session, sent, [lead_card]).review_id
            chosen: list[str] = []
            if who == "bob":
                findings.update_finding(session, overflow.uid, severity="critical")
                findings.add_finding(session, review, title="Prompt leak", severity="low")
                local = session.conn.execute("SELECT id FROM checklist_runs").fetchone()[0]
                set_answer(session, local, item, status="not_a_finding", note="checked: fine")
                findings.update_finding(session, jailbreak.uid, body="Reproduced twice.")
                start_run(session, review, "cyber-capability")  # a run the lead does not have
                notes = tmp / "bob-notes.txt"
                notes.write_text("bob's fuzzing notes\n")
                (artifact,) = add_artifacts(session, review, [notes]).added
                findings.update_finding(session, overflow.uid, evidence=[EvidenceRef(artifact.uid)])
                notes_uid, chosen = artifact.uid, [artifact.uid]
                triage.confirm(session, hacking.uid, "the agent rewrote the test")
                bobs_label = triage.add_label(session, logs[1], "3@1", "out-of-scope").uid
            if who == "carol":
                findings.update_finding(session, overflow.uid, severity="medium", cwe="CWE-122")
                local = session.conn.execute("SELECT id FROM checklist_runs").fetchone()[0]
                set_answer(session, local, item, note="needs a second look")
            export_package(session, review, tmp / f"{who}.rspkg", evidence=chosen)
            files.append(tmp / f"{who}.card")
            cards.append(export_identity(session, files[-1]))
        packages[who] = tmp / f"{who}.rspkg"
    return Team(
        lead,
        cards,
        packages,
        sent,
        overflow.uid,
        jailbreak.uid,
        item,
        files,
        notes_uid,
        (logs[0], logs[1]),
        hacking.uid,
        in_scope.uid,
        bobs_label,
    )
