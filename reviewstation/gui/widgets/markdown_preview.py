"""A read-only Markdown preview that never loads anything and never renders raw HTML.

A finding's body is untrusted text (it may come from an imported package). Qt's Markdown
reader is used with HTML switched off, and the document's ``loadResource`` is overridden so
that no image or other resource is ever fetched: not from files, not from anywhere.
"""

from __future__ import annotations

from typing import Any

from reviewstation.gui.qt import QTextDocument, QTextEdit, QUrl, QWidget

FEATURES = (
    QTextDocument.MarkdownFeature.MarkdownDialectGitHub
    | QTextDocument.MarkdownFeature.MarkdownNoHTML
)


class SafeDocument(QTextDocument):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.refused: set[str] = set()  # what was asked for (and not loaded)

    def loadResource(self, type: int, name: QUrl | str) -> Any:
        self.refused.add(name.toString() if isinstance(name, QUrl) else name)
        return None


class MarkdownPreview(QTextEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.safe_document = SafeDocument(self)
        self.setDocument(self.safe_document)
        self.setReadOnly(True)
        self.setAccessibleName("Preview")
        self.setTabChangesFocus(True)

    def set_markdown(self, text: str) -> None:
        self.safe_document.setMarkdown(text, FEATURES)

    def loadResource(self, type: int, name: QUrl | str) -> Any:
        return None
