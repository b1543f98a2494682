"""Looking inside an artifact: the detailed inspector view, decrypted in memory and audited."""

from __future__ import annotations

from reviewstation.artifacts import catalog, custody, inspectors
from reviewstation.artifacts.export import require_audited
from reviewstation.artifacts.inspection import Inspection
from reviewstation.vault.session import Session


def view_artifact(session: Session, ref: int | str) -> Inspection:
    """Previews and transcripts for the viewer; the view is recorded before anything is shown."""
    require_audited(session, "view an artifact's content")
    artifact = catalog.get_artifact(session.conn, ref)
    blob = artifact.blob_ref(session.master, session.vault_id)
    result = inspectors.view(session.path, blob, artifact.path)
    with session.change("artifact.view", artifact.uid, {"path": artifact.path}) as conn:
        custody.add_event(conn, artifact.id, session.user.name, "viewed", {})
    return result
