"""Shared test settings: no network, the demo region, and where the real data live."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a non-loopback connection fails at once (tests never use the network)."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else str(address)
        if isinstance(host, str) and (host.startswith("127.") or host in ("localhost", "::1")
                                      or self.family == socket.AF_UNIX):
            return real_connect(self, address)
        raise OSError(f"network access blocked in tests: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def demo():
    """The embedded synthetic demo region (seed 0)."""
    from arealsirk.datasets import demo_region

    return demo_region(0)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real Norwegian data folder (../shared/data or $AREALSIRK_DATA)."""
    from arealsirk.datasets import shared_data_dir

    return shared_data_dir()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under `make test` (AREALSIRK_NO_SKIP=1) a skipped test fails: nothing may hide missing setup."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("AREALSIRK_NO_SKIP") == "1" and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under `make test` (AREALSIRK_NO_SKIP=1): {reason}"
