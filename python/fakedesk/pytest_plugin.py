"""The pytest plugin (registered through the ``pytest11`` entry point).

Fixtures:

- ``fakedesk``: one ``fakedesk serve`` on OS-chosen ports for the whole test
  session, reset (every vendor back to its seeded state, journal emptied) before
  each test. A test marked ``@pytest.mark.fakedesk_fresh`` gets a server of its
  own instead, stopped after it.
- ``fakedesk_fresh``: always a server of the test's own.
- ``fakedesk_session``: the shared server, not reset (for session-scoped fixtures).

Options: ``--fakedesk-config FILE`` (``serve --config``) and ``--fakedesk-bin
PATH`` (the binary; default: the one this wheel installed, then the PATH).
"""

from __future__ import annotations

from typing import Iterator, Optional

import pytest

from ._server import Server, start


def pytest_addoption(parser: pytest.Parser) -> None:
    """Adds ``--fakedesk-config`` and ``--fakedesk-bin``."""
    group = parser.getgroup("fakedesk", "fake customer-support vendors")
    group.addoption("--fakedesk-config", metavar="FILE", default=None, help="YAML config file for `fakedesk serve --config`")
    group.addoption("--fakedesk-bin", metavar="PATH", default=None, help="the fakedesk binary (default: the installed one)")


def pytest_configure(config: pytest.Config) -> None:
    """Registers the ``fakedesk_fresh`` marker."""
    config.addinivalue_line("markers", "fakedesk_fresh: give this test its own fakedesk server instead of the shared one")


def _start(config: pytest.Config) -> Server:
    bin_: Optional[str] = config.getoption("--fakedesk-bin")
    cfg: Optional[str] = config.getoption("--fakedesk-config")
    return start(binary=bin_, config=cfg)


@pytest.fixture(scope="session")
def fakedesk_session(pytestconfig: pytest.Config) -> Iterator[Server]:
    """The session's shared server (started on first use, stopped at the end)."""
    server = _start(pytestconfig)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fakedesk_fresh(pytestconfig: pytest.Config) -> Iterator[Server]:
    """A server of this test's own, stopped after it."""
    server = _start(pytestconfig)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fakedesk(request: pytest.FixtureRequest) -> Server:
    """The fake vendors, reset before the test (see the module's documentation)."""
    if request.node.get_closest_marker("fakedesk_fresh") is not None:
        server: Server = request.getfixturevalue("fakedesk_fresh")
        return server
    server = request.getfixturevalue("fakedesk_session")
    server.reset()
    return server
