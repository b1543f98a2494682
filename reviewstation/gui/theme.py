"""Light and dark themes: follow the system by default, or a reviewer's fixed choice.

Qt's Fusion style on every platform, with our own palettes: the look is the same on every
workstation, and the theme does not depend on whether the platform plugin can report or
request a colour scheme. Widgets that signal something (an error) set the dynamic property
``role`` and are coloured by one application style sheet, so a theme change recolours them
live. Classification banners carry their own style sheet and never change colour.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

SETTING = "appearance/theme"
CHOICES = {"system": "Follow the system", "light": "Light", "dark": "Dark"}

# Error text: readable (WCAG AA for normal text) on the window colour of each theme.
ERROR = {"light": "#b00020", "dark": "#ff8a80"}


def configured(settings: QSettings) -> str:
    value = settings.value(SETTING, "system")
    return value if isinstance(value, str) and value in CHOICES else "system"


def effective(choice: str) -> str:
    """``light`` or ``dark``: the system's scheme when following it (light if it says none)."""
    if choice in ("light", "dark"):
        return choice
    scheme = QGuiApplication.styleHints().colorScheme()
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def dark_palette() -> QPalette:
    palette = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    colours = {
        role.Window: "#2b2b2b",
        role.WindowText: "#e8e8e8",
        role.Base: "#1f1f1f",
        role.AlternateBase: "#2a2a2a",
        role.ToolTipBase: "#3a3a3a",
        role.ToolTipText: "#f0f0f0",
        role.PlaceholderText: "#9a9a9a",
        role.Text: "#e8e8e8",
        role.Button: "#353535",
        role.ButtonText: "#e8e8e8",
        role.BrightText: "#ff6b6b",
        role.Light: "#4a4a4a",
        role.Midlight: "#404040",
        role.Mid: "#303030",
        role.Dark: "#202020",
        role.Shadow: "#000000",
        role.Highlight: "#3d7bd9",
        role.HighlightedText: "#ffffff",
        role.Link: "#8ab4f8",
        role.LinkVisited: "#c58af9",
    }
    for r, colour in colours.items():
        palette.setColor(r, QColor(colour))
    for r in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(group.Disabled, r, QColor("#7a7a7a"))
    palette.setColor(group.Disabled, role.Base, QColor("#262626"))
    return palette


def apply(app: QApplication, choice: str) -> str:
    """Set the style, palette and signal colours for ``choice``; returns light or dark."""
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    mode = effective(choice)
    app.setPalette(dark_palette() if mode == "dark" else app.style().standardPalette())
    app.setStyleSheet(f'*[role="error"] {{ color: {ERROR[mode]}; font-weight: bold; }}')
    return mode


def mark_error(widget: QWidget, error: bool = True) -> None:
    """Colour ``widget``'s text as an error (or not), in whichever theme is shown."""
    if (widget.property("role") == "error") == error:
        return
    widget.setProperty("role", "error" if error else "")
    widget.style().unpolish(widget)  # a changed property is seen only on a new polish
    widget.style().polish(widget)
