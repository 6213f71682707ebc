"""Choosing the port TensorBoard listens on: 6006 when free (bookmarks), else a nearby free one.

A port found free here can still be taken before TensorBoard binds it; the supervisor handles
TensorBoard's "could not bind" exit by asking again with that port excluded.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Collection

HOST = "127.0.0.1"
DEFAULT_PORT = 6006
FALLBACK_PORTS = range(6007, 6106)  # the range TensorBoard's own `--port default` scans


def is_port_free(port: int, host: str = HOST) -> bool:
    """True if a listening socket could bind `host:port` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        if os.name != "nt":
            # TensorBoard's server sets SO_REUSEADDR too: a port in TIME_WAIT is free to it.
            # On Windows the same option would let us share a port someone else holds.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def choose_port(preferred: int, exclude: Collection[int] = (),
                fallbacks: range = FALLBACK_PORTS) -> int:
    """The preferred port if free, else the first free fallback; 0 (the OS picks) if none is."""
    for port in (preferred, *fallbacks):
        if port not in exclude and is_port_free(port):
            return port
    return 0
