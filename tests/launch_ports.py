"""Ports for launcher rendezvous in tests, chosen where no other test's server can be given them.

A launcher is handed a port number and binds it seconds later; a port found free by binding port 0
lies in the kernel's ephemeral range, from which every test server (and every outgoing connection)
is given ports meanwhile, so under pytest-xdist another test could take it first. Ports below that
range are never handed out by the kernel: only a test that asks for one by number gets it.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST = 20000


def _ephemeral_floor() -> int:
    try:
        return int(_RANGE_FILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default range starts here


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def launch_port() -> int:
    """A free port below the ephemeral range, for ``--master-port`` and the like."""
    ceiling = max(_ephemeral_floor(), _LOWEST + 1000)
    for _ in range(200):
        port = random.randrange(_LOWEST, ceiling)
        if _bindable(port):
            return port
    raise RuntimeError(f"no free port in {_LOWEST}..{ceiling}")
