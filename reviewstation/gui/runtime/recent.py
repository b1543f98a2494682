"""The list of recently unlocked vaults, kept in QSettings: folder paths only, never secrets."""

from __future__ import annotations

from pathlib import Path

from reviewstation.gui.qt import QSettings
from reviewstation.vault.header import header_path

KEY = "recentVaults"
LIMIT = 10


class RecentVaults:
    def __init__(self, settings: QSettings) -> None:
        self._settings = settings

    def _stored(self) -> list[str]:
        # type=list: an INI file hands back a one-item list as a bare string otherwise.
        value = self._settings.value(KEY, [], type=list)
        if not isinstance(value, list):
            return []
        return [item for item in value if isinstance(item, str) and item]

    def paths(self) -> list[Path]:
        """Most recent first; folders that are no longer vaults are skipped, not forgotten."""
        return [Path(p) for p in self._stored() if header_path(Path(p)).is_file()]

    def remember(self, vault: Path) -> None:
        entry = str(vault.expanduser().absolute())
        entries = [entry, *(p for p in self._stored() if p != entry)][:LIMIT]
        self._settings.setValue(KEY, entries)
        self._settings.sync()
