"""Light and dark themes: chosen in Settings, applied live, following the system by default."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from reviewstation.gui.shell import Shell
from reviewstation.gui.widgets import theme
from reviewstation.gui.windows.main_window import MainWindow
from reviewstation.gui.windows.settings_dialog import SettingsDialog

TIMEOUT = 10_000


@pytest.fixture(autouse=True)
def light_afterwards(qapp: QApplication) -> Iterator[None]:
    """The application is shared by every test: leave it as the others expect it."""
    yield
    theme.apply(qapp, "light")


def window_colour(app: QApplication) -> str:
    return app.palette().color(QPalette.ColorRole.Window).name()


def text_colour(label: QLabel) -> str:
    label.ensurePolished()
    return label.palette().color(QPalette.ColorRole.WindowText).name()


def test_settings_switch_to_dark_and_back_live(
    qtbot: QtBot, qapp: QApplication, shell: Shell, settings: QSettings, window: MainWindow
) -> None:
    error = QLabel("refused")
    qtbot.addWidget(error)
    theme.mark_error(error)
    assert theme.configured(settings) == "system"
    assert window_colour(qapp) != "#2b2b2b"  # offscreen reports no scheme: light
    assert text_colour(error) == theme.ERROR["light"]

    shell.open_settings()
    qtbot.waitUntil(
        lambda: any(isinstance(w, SettingsDialog) for w in QApplication.topLevelWidgets()),
        timeout=TIMEOUT,
    )
    (dialog,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, SettingsDialog)]
    dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findData("dark"))
    dialog._save()
    assert settings.value(theme.SETTING) == "dark"
    assert window_colour(qapp) == "#2b2b2b"
    assert text_colour(error) == theme.ERROR["dark"]  # recoloured without being rebuilt
    # The banner keeps the marking's colours whatever the theme (as painted, not as set).
    image = window.ui.topBanner.grab().toImage()
    assert image.pixelColor(2, image.height() // 2).name() == "#007a33"

    theme.apply(qapp, "light")
    assert text_colour(error) == theme.ERROR["light"]


def test_system_scheme_is_followed(monkeypatch: pytest.MonkeyPatch) -> None:
    hints = SimpleNamespace(colorScheme=lambda: Qt.ColorScheme.Dark)
    monkeypatch.setattr(theme, "QGuiApplication", SimpleNamespace(styleHints=lambda: hints))
    assert theme.effective("system") == "dark"
    assert theme.effective("light") == "light"
    hints.colorScheme = lambda: Qt.ColorScheme.Unknown
    assert theme.effective("system") == "light"


def test_unknown_setting_falls_back_to_system(settings: QSettings) -> None:
    settings.setValue(theme.SETTING, "neon")
    assert theme.configured(settings) == "system"


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours."""

    def luminance(name: str) -> float:
        colour = QColor(name)
        channels = [colour.redF(), colour.greenF(), colour.blueF()]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_signal_colours_are_readable_in_both_themes(qapp: QApplication) -> None:
    for mode in ("light", "dark"):
        theme.apply(qapp, mode)
        palette = qapp.palette()
        grounds = [
            palette.color(r).name() for r in (QPalette.ColorRole.Window, QPalette.ColorRole.Base)
        ]
        for colours in (theme.ERROR, theme.WARNING, theme.OK):
            for ground in grounds:
                assert contrast(colours[mode], ground) >= 4.5, (mode, colours[mode], ground)
        for boxed in (theme.CAUTION, theme.DANGER):
            back, text, _ = boxed[mode]
            assert contrast(text, back) >= 7


def test_warning_ok_and_caution_labels_recolour_with_the_theme(
    qtbot: QtBot, qapp: QApplication
) -> None:
    theme.apply(qapp, "light")
    warning, ok, caution = QLabel("weak"), QLabel("verified"), QLabel("a note")
    for label, role in ((warning, "warning"), (ok, "ok"), (caution, "caution")):
        qtbot.addWidget(label)
        theme.mark(label, role)
    assert text_colour(warning) == theme.WARNING["light"]
    assert text_colour(ok) == theme.OK["light"]
    assert text_colour(caution) == theme.CAUTION["light"][1]

    theme.apply(qapp, "dark")
    assert text_colour(warning) == theme.WARNING["dark"]  # recoloured without being rebuilt
    assert text_colour(ok) == theme.OK["dark"]
    assert text_colour(caution) == theme.CAUTION["dark"][1]
    caution.resize(120, 40)
    image = caution.grab().toImage()
    assert image.pixelColor(60, 20).name() == theme.CAUTION["dark"][0]  # the box is dark too

    theme.mark(warning, "")
    assert text_colour(warning) == qapp.palette().color(QPalette.ColorRole.WindowText).name()
    with pytest.raises(ValueError, match="unknown role"):
        theme.mark(warning, "neon")


def test_main_window_cannot_shrink_below_a_readable_size(window: MainWindow) -> None:
    window.resize(320, 200)
    assert window.width() >= 1000 and window.height() >= 640


def test_dark_inputs_have_a_visible_frame(qtbot: QtBot, qapp: QApplication) -> None:
    from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

    theme.apply(qapp, "dark")
    host = QWidget()
    qtbot.addWidget(host)
    layout = QVBoxLayout(host)
    edit = QLineEdit("x", host)
    layout.addWidget(QLineEdit(host))
    layout.addWidget(edit)
    host.show()
    qtbot.waitExposed(host)
    image = host.grab().toImage()
    frame = image.pixelColor(edit.x() + 20, edit.y()).lightness()
    inside = image.pixelColor(edit.x() + 20, edit.y() + edit.height() // 2).lightness()
    assert abs(frame - inside) >= 20  # the field's edge stands out from its inside
