"""Long work in the GUI, one way: a vault-thread job with a marked progress dialog and Cancel.

``run_operation`` is the one place that builds the ``JobProgress`` (the core's progress callback
and cancel flag), shows the ``ProgressDialog``, submits the job with the flag (so locking
cancels it too), closes the dialog when the job answers, and hands the page either the result
or a typed ``Failure``: a page decides on ``failure.cancelled`` or ``failure.is_a(...)``,
never by reading the sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from reviewstation.gui.qt import Qt, QWidget
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.runtime.failures import Failure
from reviewstation.gui.runtime.progress import JobProgress, ProgressDialog
from reviewstation.vault.session import Session

T = TypeVar("T")


def run_operation(
    ctx: Context,
    owner: QWidget,
    title: str,
    work: Callable[[Session, JobProgress], T],
    on_done: Callable[[T], None],
    on_failure: Callable[[Failure], None],
) -> JobProgress:
    """Run ``work(session, progress)`` on the vault thread behind a progress dialog.

    ``work`` passes ``progress.report`` / ``progress.report_stage`` and ``progress.cancel`` to
    the core's long function; it must not touch widgets. Exactly one of ``on_done`` and
    ``on_failure`` runs on the GUI thread, after the dialog has closed, unless ``owner`` has
    been deleted meanwhile. Returns the progress, whose ``cancel`` says afterwards whether the
    user asked to stop.
    """
    progress = JobProgress()
    box = ProgressDialog(ctx.marking, title, progress, owner)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def job(session: Session) -> T:
        return work(session, progress)

    def done(result: T) -> None:
        box.finish()
        on_done(result)

    def failed(failure: Failure) -> None:
        box.finish()
        on_failure(failure)

    ctx.vault.submit_typed(job, done, failed, cancel=progress.cancel, owner=owner)
    box.open()
    return progress
