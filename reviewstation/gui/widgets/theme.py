"""Light and dark themes: follow the system by default, or a reviewer's fixed choice.

Qt's Fusion style on every platform, with our own palettes: the look is the same on every
workstation, and the theme does not depend on whether the platform plugin can report or
request a colour scheme. Widgets that signal something (an error, a warning, a passed check,
a boxed note of caution) set the dynamic property ``role`` and are coloured by one application
style sheet, so a theme change recolours them live. Fills that set both their background and
their text (white on red for what must not be missed) read the same in either theme and stay
widget style sheets; classification banners carry their own and never change colour.
"""

from __future__ import annotations

from reviewstation.gui.qt import (
    QApplication,
    QColor,
    QGuiApplication,
    QPalette,
    QSettings,
    Qt,
    QWidget,
)

SETTING = "appearance/theme"
CHOICES = {"system": "Follow the system", "light": "Light", "dark": "Dark"}

# Signal text: each colour reads at WCAG AA (4.5:1 for normal text) on the window and base
# colours of its theme (tests/gui/test_theme.py checks the ratios).
ERROR = {"light": "#b00020", "dark": "#ff8a80"}
WARNING = {"light": "#8a5300", "dark": "#ffc14d"}  # amber
OK = {"light": "#0b6e2e", "dark": "#6fdc8c"}  # green
# A boxed note of caution: background, text, border.
CAUTION = {
    "light": ("#fff4ce", "#3b2f00", "#c19c00"),
    "dark": ("#3d3300", "#ffe7a0", "#9c7c00"),
}
# Danger (a lie, a mismatch, code that can run, a deadline passed): background, text, border.
# Warnings must never look like a classification banner. Banners are full-width saturated fills
# with centred capitals; a warning is a tinted, bordered, rounded box whose text starts with
# ICON, in colours far from every banner colour (tests/gui/test_warning_look.py measures it).
DANGER = {
    "light": ("#fde7ea", "#7a0014", "#b00020"),
    "dark": ("#3f1d22", "#ffd9de", "#ff8a80"),
}
# Filled table rows and the review clock set both colours, so they read the same in either
# theme: the light theme's tints, which stay far from the banners too.
DANGER_FILL = DANGER["light"]
CAUTION_FILL = CAUTION["light"]
ICON = "\u26a0"  # ⚠, in every font the app ships with (DejaVu); never a banner's look
# The chosen one of a set of checkable buttons (the walkthrough's current answer): the theme's
# selection colours, bold, a border, and a tick in its text (not told by colour alone).
ROLES = ("error", "warning", "ok", "caution", "danger", "choice")
# Its fill and text: 3:1 or more against an unchecked button beside it (WCAG 1.4.11), so dark
# takes a light fill (the selection blue is too close to a dark grey in lightness).
CHOICE = {"light": ("#2a6fb5", "#ffffff"), "dark": ("#9cc3ff", "#101820")}
TICK = "\u2713"  # ✓

# Every pair of palette roles Qt's Fusion style draws text with: foreground, background.
# Each must read at WCAG 2.1 AA (4.5:1) in both themes, active and inactive windows
# (tests/gui/test_contrast.py). Disabled text is exempt in WCAG (an inactive control), and
# BrightText is not drawn by Fusion.
_R = QPalette.ColorRole
TEXT_PAIRS: tuple[tuple[QPalette.ColorRole, QPalette.ColorRole], ...] = (
    (_R.WindowText, _R.Window),
    (_R.WindowText, _R.Base),
    (_R.Text, _R.Base),
    (_R.Text, _R.AlternateBase),
    (_R.Text, _R.Window),
    (_R.ButtonText, _R.Button),
    (_R.ToolTipText, _R.ToolTipBase),
    (_R.HighlightedText, _R.Highlight),
    (_R.PlaceholderText, _R.Base),
    (_R.PlaceholderText, _R.AlternateBase),
    (_R.Link, _R.Base),
    (_R.LinkVisited, _R.Base),
)
AA = 4.5  # WCAG 2.1 AA, normal text
# Where the light theme leaves Fusion's standard palette, each for contrast: its selection
# (#308cc6, 3.7:1 under white), visited links (#ff00ff, 3.1:1) and placeholders (half-
# transparent black, 3.9:1).
LIGHT_CHANGES = {
    _R.Highlight: "#2a6fb5",
    _R.LinkVisited: "#8e24aa",
    _R.PlaceholderText: "#6b6b6b",
}


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
        role.Base: "#373737",
        role.AlternateBase: "#3d3d3d",
        role.ToolTipBase: "#3a3a3a",
        role.ToolTipText: "#f0f0f0",
        role.PlaceholderText: "#aaaaaa",
        role.Text: "#e8e8e8",
        role.Button: "#3a3a3a",
        role.ButtonText: "#e8e8e8",
        role.BrightText: "#ff6b6b",
        role.Light: "#4a4a4a",
        role.Midlight: "#404040",
        role.Mid: "#303030",
        role.Dark: "#202020",
        role.Shadow: "#000000",
        role.Highlight: "#2f67c4",
        role.HighlightedText: "#ffffff",
        role.Link: "#8ab4f8",
        role.LinkVisited: "#c58af9",
    }
    for r, colour in colours.items():
        palette.setColor(r, QColor(colour))
    for r in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(group.Disabled, r, QColor("#7a7a7a"))
    palette.setColor(group.Disabled, role.Base, QColor("#303030"))
    return palette


def apply(app: QApplication, choice: str) -> str:
    """Set the style, palette and signal colours for ``choice``; returns light or dark."""
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    mode = effective(choice)
    app.setPalette(palette(mode))
    app.setStyleSheet(style_sheet(mode))
    return mode


def light_palette() -> QPalette:
    """Fusion's standard palette, with the changes LIGHT_CHANGES makes for contrast."""
    if QApplication.style().name().lower() != "fusion":
        QApplication.setStyle("Fusion")  # the app's style in either theme (see ``apply``)
    result = QPalette(QApplication.style().standardPalette())
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        for role, colour in LIGHT_CHANGES.items():
            result.setColor(group, role, QColor(colour))
    return result


def palette(mode: str) -> QPalette:
    """The palette of ``mode`` (light or dark)."""
    return dark_palette() if mode == "dark" else light_palette()


def luminance(colour: QColor) -> float:
    """WCAG 2.1 relative luminance of an opaque colour."""
    channels = (colour.redF(), colour.greenF(), colour.blueF())
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def over(colour: QColor, ground: QColor) -> QColor:
    """``colour`` as painted on ``ground`` (a half-transparent placeholder, say)."""
    a = colour.alphaF()
    return QColor.fromRgbF(
        colour.redF() * a + ground.redF() * (1 - a),
        colour.greenF() * a + ground.greenF() * (1 - a),
        colour.blueF() * a + ground.blueF() * (1 - a),
    )


def contrast(foreground: QColor | str, background: QColor | str) -> float:
    """WCAG 2.1 contrast ratio (1 to 21) of text in ``foreground`` on ``background``."""
    back = QColor(background)
    back = over(back, QColor("#ffffff")) if back.alphaF() < 1 else back
    high, low = sorted((luminance(over(QColor(foreground), back)), luminance(back)))[::-1]
    return (high + 0.05) / (low + 0.05)


def text_pairs(mode: str) -> list[tuple[str, str, str]]:
    """Every text colour on its ground in ``mode``: (what, foreground, background).

    The palette's TEXT_PAIRS (active and inactive), the signal colours on every ground they
    are shown on, the boxed notes and the fills that set both colours.
    """
    pal = palette(mode)
    pairs = []
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        for fore, back in TEXT_PAIRS:
            back_colour = pal.color(group, back)
            pairs.append(
                (
                    f"{group.name} {fore.name} on {back.name}",
                    over(pal.color(group, fore), back_colour).name(),
                    back_colour.name(),
                )
            )
    grounds = (_R.Window, _R.Base, _R.AlternateBase, _R.Button)
    for signal, colours in (("error", ERROR), ("warning", WARNING), ("ok", OK)):
        for ground in grounds:
            pairs.append((f"{signal} on {ground.name}", colours[mode], pal.color(ground).name()))
    boxes = {
        "caution box": CAUTION[mode][:2],
        "danger box": DANGER[mode][:2],
        "caution fill": CAUTION_FILL[:2],
        "danger fill": DANGER_FILL[:2],
    }
    for box, (back_fill, text) in boxes.items():
        pairs.append((box, text, back_fill))
    pairs.append(("current answer", CHOICE[mode][1], CHOICE[mode][0]))
    return pairs


def style_sheet(mode: str) -> str:
    """The application style sheet that colours each ``role`` in ``mode``."""
    back, text, border = CAUTION[mode]
    d_back, d_text, d_border = DANGER[mode]
    c_back, c_text = CHOICE[mode]
    return "\n".join(
        (
            f'*[role="error"] {{ color: {ERROR[mode]}; font-weight: bold; }}',
            f'*[role="warning"] {{ color: {WARNING[mode]}; font-weight: bold; }}',
            f'*[role="ok"] {{ color: {OK[mode]}; font-weight: bold; }}',
            f'*[role="caution"] {{ background: {back}; color: {text};'
            f" border: 1px solid {border}; border-radius: 6px; padding: 5px; }}",
            f'*[role="danger"] {{ background: {d_back}; color: {d_text};'
            f" border: 2px solid {d_border}; border-radius: 6px; padding: 5px;"
            " font-weight: bold; }",
            f'QPushButton[role="choice"]:checked {{ background: {c_back}; color: {c_text};'
            " font-weight: bold; border: 2px solid palette(window-text); border-radius: 3px;"
            " padding: 3px; }",
        )
    )


def mark(widget: QWidget, role: str = "") -> None:
    """Give ``widget`` a signal ``role`` (one of ROLES), or none with "", in whichever theme
    is shown and any shown later."""
    if role and role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if (widget.property("role") or "") == role:
        return
    widget.setProperty("role", role)
    widget.style().unpolish(widget)  # a changed property is seen only on a new polish
    widget.style().polish(widget)


def mark_error(widget: QWidget, error: bool = True) -> None:
    """Colour ``widget``'s text as an error (or not), in whichever theme is shown."""
    if error:
        mark(widget, "error")
    elif widget.property("role") == "error":
        mark(widget, "")


def mark_loud(widget: QWidget) -> None:
    """Danger: the theme's bordered, rounded red-tinted box (never a banner's full red fill);
    the text should start with ``ICON`` (see ``alert``)."""
    mark(widget, "danger")


def choice_text(text: str, chosen: bool) -> str:
    """A checkable button's text: led by TICK when it is the chosen one."""
    plain = text.removeprefix(f"{TICK} ")
    return f"{TICK} {plain}" if chosen else plain


def alert(text: str) -> str:
    """``text`` led by the warning icon, so a warning is told by shape, not colour alone."""
    return text if text.startswith(ICON) else f"{ICON} {text}"
