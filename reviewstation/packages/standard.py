"""The standard-format members and the report, in the order they are written."""

from __future__ import annotations

from collections.abc import Callable

from reviewstation.packages.content import PackageContent

STANDARD_MEMBERS: list[tuple[str, Callable[[PackageContent], bytes]]] = []
