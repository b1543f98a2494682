"""Process-wide hardening applied by both front ends at start-up."""

from __future__ import annotations

import contextlib
import resource


def disable_core_dumps() -> None:
    """A core dump of an unlocked session would hold keys and plaintext: allow none."""
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
