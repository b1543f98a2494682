"""Loaded by every Python process the tests start (via PYTHONPATH): no network sockets."""

import socket as _socket

_real_socket = _socket.socket


class _GuardedSocket(_real_socket):
    def __init__(self, family: int = -1, *args: object, **kwargs: object) -> None:
        if family in (_socket.AF_INET, _socket.AF_INET6) or family == -1:
            raise OSError("network sockets are disabled in ReviewStation's test suite")
        super().__init__(family, *args, **kwargs)  # type: ignore[arg-type]


_socket.socket = _GuardedSocket  # type: ignore[misc]
