"""Settings: the idle auto-lock delay and the theme (stored in QSettings)."""

from __future__ import annotations

from reviewstation.gui.qt import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSettings,
    QSpinBox,
    QWidget,
    Signal,
)
from reviewstation.gui.runtime.autolock import SETTING, configured_minutes
from reviewstation.gui.runtime.clipboard import CLEAR_AFTER_MS
from reviewstation.gui.widgets import theme
from reviewstation.gui.widgets.dialogs import MarkedDialog, plain_label


class SettingsDialog(MarkedDialog):
    changed = Signal()

    def __init__(self, marking: str, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(marking, "Settings", parent)
        self.settings = settings
        form = QFormLayout()
        self.minutes = QSpinBox(self)
        self.minutes.setRange(1, 240)
        self.minutes.setSuffix(" min")
        self.minutes.setValue(configured_minutes(settings))
        self.minutes.setAccessibleName("Lock after idle minutes")
        label = QLabel("&Lock after idle:", self)
        label.setBuddy(self.minutes)
        form.addRow(label, self.minutes)
        self.theme_combo = QComboBox(self)
        self.theme_combo.setAccessibleName("Theme")
        for value, text in theme.CHOICES.items():
            self.theme_combo.addItem(text, value)
        self.theme_combo.setCurrentIndex(self.theme_combo.findData(theme.configured(settings)))
        theme_label = QLabel("&Theme:", self)
        theme_label.setBuddy(self.theme_combo)
        form.addRow(theme_label, self.theme_combo)
        self.body.addLayout(form)
        self.body.addWidget(
            plain_label(
                f"Copied text is cleared from the clipboard after {CLEAR_AFTER_MS // 1000} s."
                " Lock now: Ctrl+L.",
                self,
            )
        )
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        self.body.addWidget(buttons)

    def _save(self) -> None:
        self.settings.setValue(SETTING, self.minutes.value())
        self.settings.setValue(theme.SETTING, self.theme_combo.currentData())
        self.settings.sync()
        self.changed.emit()
        self.accept()
