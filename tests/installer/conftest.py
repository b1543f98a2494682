"""The frozen-app tests: selected only with ``-m frozen`` (``make test-frozen``, ``.ci/run``).

Deselected otherwise, whatever other -m expression is given (the marker is registered in
pyproject.toml).

They run the PyInstaller bundle that ``make dist`` builds (or the executable named by
REVIEWSTATION_FROZEN_APP) in an environment stripped of the venv, as an air-gapped machine would.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "frozen" in (config.option.markexpr or ""):
        return
    skipped = [item for item in items if item.get_closest_marker("frozen")]
    if skipped:
        config.hook.pytest_deselected(items=skipped)
        items[:] = [item for item in items if not item.get_closest_marker("frozen")]
