"""Helpers for tests that need the real local services (Redis, PostgreSQL, Chromium)."""

import os
import socket
from urllib.parse import urlparse

import pytest

REQUIRE_SERVICES = os.environ.get("COUNTYINNO_REQUIRE_SERVICES") == "1"


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


START = {
    "Redis": "redis-server --daemonize yes --bind 127.0.0.1",
    "PostgreSQL": "pg_ctlcluster <version> main start, then make test-postgres",
}


def needs(available: bool, what: str):
    """Run when the service answers; CI (COUNTYINNO_REQUIRE_SERVICES=1) insists that it does, so there a
    missing service fails the test instead of skipping it."""
    how = START.get(what, f"start {what}")
    return pytest.mark.skipif(not available and not REQUIRE_SERVICES,
                              reason=f"{what} is not running here; start it ({how}) — CI requires it")
