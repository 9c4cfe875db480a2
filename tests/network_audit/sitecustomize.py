"""Loaded by every Python process the test suite starts (it is on their PYTHONPATH): refuses and records any
network connection or name lookup that is not for this machine, so the suite proves nothing leaves
127.0.0.1 (the Public Suffix List, a font, a CDN, a real court site). conftest.py fails the run on a record.

Under `make coverage` (COVERAGE_PROCESS_START set) it also starts coverage in each of those processes."""

from __future__ import annotations

import os
import sys

LOOPBACK = {"127.0.0.1", "::1", "localhost", "0.0.0.0", "", None}


def _refuse(what: str) -> None:
    log = os.environ.get("NETWORK_AUDIT_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"{os.getpid()} {' '.join(sys.argv[:3])[:200]}: {what}\n")
    raise OSError(f"network audit: {what} is not allowed in the test suite (only 127.0.0.1)")


def _audit(event: str, args: tuple) -> None:
    if event == "socket.getaddrinfo":
        host = args[0]
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
        if host not in LOOPBACK and not str(host).startswith("127."):
            _refuse(f"name lookup of {host!r}")
    elif event in ("socket.connect", "socket.sendto"):
        address = args[1] if event == "socket.connect" else args[-1]
        if (
            isinstance(address, tuple)
            and address
            and address[0] not in LOOPBACK
            and not str(address[0]).startswith("127.")
        ):
            _refuse(f"connection to {address!r}")


if os.environ.get("NETWORK_AUDIT_LOG"):
    sys.addaudithook(_audit)


# `make coverage`: every Python process of the suite measures itself (coverage's subprocess support). The
# pywb venv has no coverage: nothing to start there.
if os.environ.get("COVERAGE_PROCESS_START"):
    try:
        import coverage
    except ImportError:
        pass
    else:
        coverage.process_startup()
