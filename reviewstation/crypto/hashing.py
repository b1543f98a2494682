"""SHA-384 (manifests, audit chain, fingerprints) and SHA-256 (developer-published hashes)."""

from __future__ import annotations

import hashlib


def sha384(data: bytes) -> bytes:
    return hashlib.sha384(data).digest()


def sha384_hex(data: bytes) -> str:
    return hashlib.sha384(data).hexdigest()
