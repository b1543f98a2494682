"""Putting a value read back from the vault into a field the user may be typing in.

``setText`` / ``setPlainText`` move the caret (to the end, or the start) and scroll to the
top even when the text is the same; after Ctrl+S the saved value comes back and the caret
jumped. ``keep_caret`` leaves a field whose text is already the value alone, and otherwise
puts the caret and the scroll back where they were, as far as the new text allows.
"""

from __future__ import annotations

from reviewstation.gui.qt import QLineEdit, QPlainTextEdit


def keep_caret(field: QLineEdit | QPlainTextEdit, text: str) -> None:
    if isinstance(field, QLineEdit):
        if field.text() == text:
            return
        position = field.cursorPosition()
        field.setText(text)
        field.setCursorPosition(min(position, len(text)))
        return
    if field.toPlainText() == text:
        return
    cursor = field.textCursor()
    position = cursor.position()
    scroll = field.verticalScrollBar().value()
    field.setPlainText(text)
    cursor = field.textCursor()
    cursor.setPosition(min(position, len(field.toPlainText())))
    field.setTextCursor(cursor)
    field.verticalScrollBar().setValue(scroll)
