"""HashBehind: a hash on its own thread gives the same digest, and stops cleanly on error."""

from __future__ import annotations

import hashlib
import os
import threading

import pytest

from reviewstation.artifacts.background import HashBehind


@pytest.mark.parametrize("name", ["sha256", "sha384"])
@pytest.mark.parametrize("blocks", [0, 1, 7, 40])
def test_same_digest_as_hashlib(name: str, blocks: int) -> None:
    data = [os.urandom(1000 + 37 * i) for i in range(blocks)]
    with HashBehind(name, depth=3) as behind:
        for block in data:
            behind.update(block)
        digest = behind.hexdigest()
    assert digest == hashlib.new(name, b"".join(data)).hexdigest()


def _fail_midway() -> None:
    with HashBehind("sha384", depth=2) as behind:
        for _ in range(10):
            behind.update(b"x" * 4096)
        raise RuntimeError("the writer failed")


def test_an_error_midway_stops_the_thread() -> None:
    before = threading.active_count()
    with pytest.raises(RuntimeError):
        _fail_midway()
    assert threading.active_count() == before
