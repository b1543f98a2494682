"""Suite-wide rules: no network sockets (here and in every child process), fast KDF."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

NONET = Path(__file__).parent / "support" / "nonet"
pytest_plugins = ["support.keyrings"]  # the memory_keyring fixture

# The floor (64 MiB, t=3) instead of the ~0.75 s calibration: the parameters' own tests
# cover calibration; everything else only needs a working KDF.
os.environ["REVIEWSTATION_KDF_MS"] = "0"
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(NONET), *filter(None, [os.environ.get("PYTHONPATH")])]
)
sys.path.insert(0, str(NONET))
import sitecustomize  # type: ignore[import-not-found]  # noqa: E402, F401  (installs the socket guard in this process too)


@pytest.fixture
def passphrase() -> str:
    return "correct horse battery"
