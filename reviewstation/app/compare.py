"""Comparing Inspect runs held in the vault: the application's door to ``reviewstation.analysis``.

Any artifact of any review can be compared: an unlocked session reads every review of its
vault (``reviewstation.vault.permissions`` limits writes, not reads), so this only reads. An
artifact must be an Inspect evaluation log whose content still exists (an erased one is
refused by name). Alignment reads each log's sample summaries (ids, scores, errors, limits),
never its transcripts, and records nothing; the confirmed triage labels that invalidate a
solve (``findings/triage.py``) are looked up and passed, so the result carries the raw and the
triaged figures; one sample's transcripts are read only when
``transcript_pair`` asks for that sample, and that view is audited as the log viewer's is.
"""

from __future__ import annotations

from collections.abc import Sequence

from reviewstation.analysis import comparison, runs, transcripts
from reviewstation.analysis.comparison import Comparison, Options, Run
from reviewstation.analysis.transcripts import TranscriptPair
from reviewstation.artifacts import catalog, custody
from reviewstation.artifacts.blobstore import BlobReader
from reviewstation.artifacts.catalog import Artifact
from reviewstation.artifacts.export import require_audited
from reviewstation.artifacts.inspection import InspectLog
from reviewstation.errors import InputError
from reviewstation.findings import triage
from reviewstation.progress import CancelFlag, Progress, ProgressCallback, check_cancel
from reviewstation.vault.session import Session


def inspect_log(session: Session, ref: int | str) -> Artifact:
    """The artifact ``ref``, which must be a readable Inspect evaluation log."""
    artifact = catalog.get_artifact(session.conn, ref)
    if not isinstance(artifact.inspection, InspectLog):
        raise InputError(f"{artifact.what} is not an Inspect evaluation log.")
    if artifact.erased:
        raise InputError(
            f"{artifact.what} was erased on {artifact.erased_at}; its samples no longer exist."
        )
    return artifact


def comparable_logs(session: Session) -> list[Artifact]:
    """Every Inspect log of every review whose content still exists, for choosing runs."""
    return [
        a
        for a in catalog.list_artifacts(session.conn)
        if isinstance(a.inspection, InspectLog) and not a.erased
    ]


def read_run(session: Session, artifact: Artifact, label: str, cancel: CancelFlag = None) -> Run:
    ref = artifact.blob_ref(session.master, session.vault_id)
    with BlobReader(session.path, ref) as stream:
        rows = runs.read_rows(stream, artifact.size, cancel)  # type: ignore[arg-type]
    return Run(label=label, artifact=artifact.uid, name=artifact.path, rows=rows)


def compare_artifacts(
    session: Session,
    refs: Sequence[int | str],
    options: Options | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelFlag = None,
) -> Comparison:
    """Compare the Inspect logs ``refs`` (the first is run A, the baseline)."""
    labels = comparison.labels(len(refs))
    if len(refs) < 2:
        raise InputError("Choose at least two Inspect logs to compare.")
    artifacts = [inspect_log(session, ref) for ref in refs]
    loaded = []
    for index, (artifact, label) in enumerate(zip(artifacts, labels, strict=True)):
        check_cancel(cancel, "Comparing runs")
        if progress is not None:
            progress(Progress("Reading sample scores", artifact.path, index, len(artifacts)))
        loaded.append(read_run(session, artifact, label, cancel))
    if progress is not None:
        progress(Progress("Comparing runs", "", len(artifacts), len(artifacts)))
    invalidated = triage.invalidated(session.conn, [run.artifact for run in loaded])
    return comparison.compare(loaded, options, invalidated)


def transcript_pair(
    session: Session, ref_a: int | str, ref_b: int | str, sample: str
) -> TranscriptPair:
    """Sample ``ID@EPOCH`` in two logs, side by side, with where the transcripts diverge.

    Reads that one sample's record from each log, nothing else. A transcript is an artifact's
    content, so this is a view like the log viewer's: refused in a session that cannot record
    it, and recorded (audit entry ``artifact.view`` and a custody event ``viewed``, both naming
    the sample) for each log before anything is returned."""
    require_audited(session, "view sample transcripts")
    sides = []
    artifacts = []
    for label, ref in (("A", ref_a), ("B", ref_b)):
        artifact = inspect_log(session, ref)
        blob = artifact.blob_ref(session.master, session.vault_id)
        with BlobReader(session.path, blob) as stream:
            record = transcripts.load_sample(stream, artifact.size, sample)  # type: ignore[arg-type]
        sides.append(transcripts.side(label, sample, record))
        artifacts.append(artifact)
    for artifact in artifacts:
        details = {"path": artifact.path, "sample": sample[:200]}
        with session.change("artifact.view", artifact.uid, details) as conn:
            custody.add_event(
                conn, artifact.id, session.user.name, "viewed", {"sample": sample[:200]}
            )
    return transcripts.pair(sample, sides[0], sides[1])
