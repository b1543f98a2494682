"""The evidence picker: choose one of the review's artifacts, or one sample of an evaluation
log inside it, or a saved comparison of one of the review's capability areas (cited as
``comparison:UID``, the area's current version), as evidence for a finding or a checklist
answer.

The picker only names the evidence; the sample's digest is computed by the core when the
answer or finding is saved (``resolve_evidence``), on the vault thread. The import summary
names only a log's first few samples: they are listed at once, and every sample of the log
is listed as soon as it has been read (``sample_keys``, on the vault thread, once per log the
reviewer selects). A sample typed rather than chosen is looked for in the log first, so a
mistyped one is said here, not after the picker has closed. So is a part of the sample (a
message, an event or a triage label on it, ``evidence.PART``): it is resolved by the core
before the picker closes.
"""

from __future__ import annotations

from dataclasses import dataclass

from reviewstation.artifacts import catalog
from reviewstation.artifacts.inspection import Inspection, InspectLog
from reviewstation.artifacts.samples import find_sample, sample_keys
from reviewstation.determination import current_areas
from reviewstation.evidence import MAX_SAMPLE_ID, PART, EvidenceRef, resolve_evidence
from reviewstation.gui.qt import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QWidget,
    Signal,
)
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.widgets.dialogs import MarkedDialog, plain_label, plain_tip
from reviewstation.gui.widgets.theme import mark_error
from reviewstation.vault.session import Session

WHOLE = "The whole artifact"
HINT = "Choose the artifact (for an evaluation log, optionally a sample) or a comparison."


@dataclass(frozen=True)
class Candidate:
    uid: str
    path: str
    kind: str
    samples: tuple[str, ...]  # ``ID`` or ``ID@EPOCH`` of the log's listed samples

    @property
    def is_log(self) -> bool:
        return self.kind == "eval_log"


def sample_names(inspection: Inspection) -> tuple[str, ...]:
    """``ID`` or ``ID@EPOCH`` of each sample an Inspect log's summary lists."""
    if not isinstance(inspection, InspectLog):
        return ()
    return tuple(s.key for s in inspection.readable_samples if s.id is not None)


def sample_label(name: str) -> str:
    """``ID@EPOCH`` as a reader would say it: ``ctf-1 · epoch 1``."""
    sample, at, epoch = name.rpartition("@")
    return f"{sample} · epoch {epoch}" if at and sample and epoch.isdigit() else name


COMPARISON = "comparison"  # a candidate's kind for a saved area comparison


def load_candidates(session: Session, review_id: int) -> list[Candidate]:
    """The review's artifacts whose content exists, then its capability areas' comparisons."""
    return [
        *(
            Candidate(a.uid, a.path, a.inspection.kind or a.kind, sample_names(a.inspection))
            for a in catalog.list_artifacts(session.conn, review_id)
            if a.blob is not None
        ),
        *(
            Candidate(area.citation, f"Comparison: {area.title}", COMPARISON, ())
            for area in current_areas(session.conn, review_id)
        ),
    ]


def describe(ref: EvidenceRef, paths: dict[str, str]) -> str:
    """How a reference reads in a list: the artifact's path, then the sample if any."""
    if ref.comparison is not None:
        return paths.get(ref.artifact_uid, f"Comparison {ref.comparison[:8]}")
    name = paths.get(ref.artifact_uid, f"artifact {ref.artifact_uid[:8]}")
    return f"{name} — sample {ref.sample_id}" if ref.sample_id else name


class EvidencePicker(MarkedDialog):
    picked = Signal(object, str)  # EvidenceRef, the artifact's path

    def __init__(self, ctx: Context, review_id: int, parent: QWidget | None = None) -> None:
        super().__init__(ctx.marking, "Add evidence", parent)
        self.ctx = ctx
        self.review_id = review_id
        self.candidates: list[Candidate] = []
        self.all_samples: dict[str, tuple[str, ...]] = {}  # every sample of a log, once read
        self.resize(620, 420)
        self.status = plain_label("Loading the review's artifacts…", self)
        self.status.setAccessibleName("Evidence picker status")
        self.body.addWidget(self.status)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Artifacts")
        list_label = QLabel("&Artifact:", self)
        list_label.setBuddy(self.list)
        self.body.addWidget(list_label)
        self.body.addWidget(self.list, 1)
        form = QFormLayout()
        self.sample_combo = QComboBox(self)
        self.sample_combo.setEditable(True)  # a sample beyond the listed ones may be typed
        # A typed sample must not become an item: its data would be None, "the whole artifact".
        self.sample_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.sample_combo.setAccessibleName("Sample")
        sample_edit = self.sample_combo.lineEdit()
        assert sample_edit is not None  # the combo is editable
        sample_edit.setAccessibleName("Sample")  # a screen reader meets it apart
        self.sample_combo.setToolTip(
            "For an evaluation log: one sample. Choose a listed one, or type another as ID or"
            " ID@EPOCH (it is looked for in the log before the picker closes)."
        )
        sample_label = QLabel("&Sample:", self)
        sample_label.setBuddy(self.sample_combo)
        form.addRow(sample_label, self.sample_combo)
        self.part_edit = QLineEdit(self)
        self.part_edit.setAccessibleName("Part of the sample")
        self.part_edit.setPlaceholderText("optional: message:N, event:N or triage:LABEL")
        self.part_edit.setToolTip(
            "Cite one message or event of the sample (N counted from 0, or the id the log gives"
            " it), or a triage label on the sample (its number or uid)."
        )
        part_label = QLabel("Pa&rt:", self)
        part_label.setBuddy(self.part_edit)
        form.addRow(part_label, self.part_edit)
        self.body.addLayout(form)
        buttons = QDialogButtonBox(self)
        self.add_button = buttons.addButton("A&dd", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        self.body.addWidget(buttons)
        self.add_button.setEnabled(False)
        self.sample_combo.setEnabled(False)
        self.list.currentRowChanged.connect(self._on_current)
        self.list.itemActivated.connect(lambda _item: self._accept())

        self.ctx.vault.submit(
            lambda session: load_candidates(session, review_id),
            self._show,
            self.status.setText,
            owner=self,
        )

    def _show(self, candidates: list[Candidate]) -> None:
        self.candidates = candidates
        for c in candidates:
            item = QListWidgetItem(f"{c.path}  ({c.kind})", self.list)
            item.setToolTip(plain_tip(c.uid))  # a comparison's: its citation
        if candidates:
            self.status.setText(HINT)
            self.list.setCurrentRow(0)
            self.list.setFocus()
        else:
            self.status.setText("This review has no artifacts yet: import them first.")

    def _on_current(self, row: int) -> None:
        if self.status.property("role") == "error":  # about the sample of another artifact
            self._say(HINT)
        self.sample_combo.clear()
        candidate = self.current()
        self.add_button.setEnabled(candidate is not None)
        if candidate is None:
            return
        self.sample_combo.setEnabled(candidate.is_log)
        if not candidate.is_log:
            return
        self._fill_samples(self.samples_of(candidate))
        if candidate.uid not in self.all_samples:
            uid = candidate.uid
            self.ctx.vault.submit(
                lambda session: tuple(sample_keys(session, uid)),
                lambda keys: self._all_read(uid, keys),
                lambda _message: None,  # the summary's samples stay listed; typing still works
                owner=self,
            )

    def samples_of(self, candidate: Candidate) -> tuple[str, ...]:
        return self.all_samples.get(candidate.uid, candidate.samples)

    def _fill_samples(self, names: tuple[str, ...]) -> None:
        """The whole artifact, then each sample; a choice or typed text survives a refill."""
        combo = self.sample_combo
        text, index = combo.currentText(), combo.currentIndex()
        typed = index >= 0 and text != combo.itemText(index)
        keep = combo.itemData(index) if index > 0 else None
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(WHOLE, None)
        for name in names:
            combo.addItem(sample_label(name), name)
        if keep is not None:
            combo.setCurrentIndex(max(0, combo.findData(keep)))
        if typed:
            combo.setEditText(text)
        combo.blockSignals(False)

    def _all_read(self, uid: str, keys: tuple[str, ...]) -> None:
        self.all_samples[uid] = keys
        candidate = self.current()
        if candidate is not None and candidate.uid == uid:
            self._fill_samples(keys)

    def current(self) -> Candidate | None:
        row = self.list.currentRow()
        return self.candidates[row] if 0 <= row < len(self.candidates) else None

    def chosen(self) -> EvidenceRef | None:
        candidate = self.current()
        if candidate is None:
            return None
        sample: str | None = None
        if candidate.is_log:
            text = self.sample_combo.currentText().strip()
            listed = self.sample_combo.findText(text)  # a listed one, by its readable label
            sample = self.sample_combo.itemData(listed) if listed >= 0 else text or None
        return EvidenceRef(candidate.uid, sample)

    def _accept(self) -> None:
        ref, candidate = self.chosen(), self.current()
        if ref is None or candidate is None or not self.add_button.isEnabled():
            return  # nothing chosen, or a typed sample is still being looked for
        sample = ref.sample_id
        part = self.part_edit.text().strip() if candidate.is_log else ""
        if part:
            self._accept_part(candidate, sample, part)
            return
        if sample is None or sample in self.samples_of(candidate):
            self._pick(ref, candidate.path)
            return
        if len(sample) > MAX_SAMPLE_ID or not sample.isprintable():
            self._say("That sample id cannot be used: type it as ID or ID@EPOCH.", error=True)
            return
        self._say(f"Looking for sample {sample} in the log…")
        self._set_asking(True)
        uid, path = candidate.uid, candidate.path
        self.ctx.vault.submit(
            lambda session: find_sample(session, uid, sample),
            lambda _found: self._pick(ref, path),
            self._not_found,
            owner=self,
        )

    def _accept_part(self, candidate: Candidate, sample: str | None, part: str) -> None:
        """A message, event or triage label of the sample: the core resolves the whole
        reference (the sample's digest, the part's existence) before the picker closes."""
        if sample is None:
            self._say("Choose the sample the part belongs to.", error=True)
            return
        if not PART.fullmatch(part):
            self._say("Type the part as message:N, event:N or triage:LABEL.", error=True)
            return
        ref = EvidenceRef(candidate.uid, f"{sample}/{part}")
        review_id, path = self.review_id, candidate.path
        self._say(f"Looking for {part} of sample {sample} in the log…")
        self._set_asking(True)
        self.ctx.vault.submit(
            lambda session: resolve_evidence(session, ref, review_id=review_id),
            lambda resolved: self._pick(resolved, path),
            self._not_found,
            owner=self,
        )

    def _pick(self, ref: EvidenceRef, path: str) -> None:
        self.accept()
        self.picked.emit(ref, path)

    def _not_found(self, message: str) -> None:
        self._set_asking(False)
        self._say(message, error=True)
        self.sample_combo.setFocus()
        edit = self.sample_combo.lineEdit()
        if edit is not None:
            edit.selectAll()

    def _set_asking(self, asking: bool) -> None:
        """While the log is searched the choice stays as it was asked about."""
        for widget in (self.list, self.sample_combo, self.part_edit, self.add_button):
            widget.setEnabled(not asking)

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        mark_error(self.status, error)
