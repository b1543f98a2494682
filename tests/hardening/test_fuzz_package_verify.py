"""Package verify fed mutated real packages: only typed errors, never a wrong VALID."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.packages import Sender, export, sender

from reviewstation.errors import ReviewStationError
from reviewstation.packages.verify import verify_package


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Sender, bytes]:
    tmp = tmp_path_factory.mktemp("fuzz-verify")
    alice = sender(tmp)
    package = tmp / "p.rspkg"
    export(alice.vault, package, evidence=["1"])
    return alice, package.read_bytes()


@settings(
    max_examples=120,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_mutated_packages_are_refused_with_typed_errors(
    built: tuple[Sender, bytes], tmp_path: Path, data: st.DataObject
) -> None:
    alice, original = built
    mutated = bytearray(original)
    for _ in range(data.draw(st.integers(1, 6))):
        position = data.draw(st.integers(0, len(mutated) - 1))
        mutated[position] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        cut = data.draw(st.integers(0, len(mutated)))
        mutated = mutated[:cut]
    path = tmp_path / "m.rspkg"
    path.write_bytes(bytes(mutated))
    try:
        with verify_package(path, [alice.card]) as verified:
            # Accepted only if every listed member still hashes right (a flip in slack bytes).
            for name, digest in verified.listed.items():
                import hashlib

                assert hashlib.sha384(verified.zip.read(name)).hexdigest() == digest
    except ReviewStationError:
        pass
