"""Shared by the repository's tests: the browser tests (tests/fake_authy, tests/figma) run on
the system Chromium when there is one, as the end-to-end scenarios do (e2e/conftest.py), and
the fake's tests (tests/fake_authy, tests/fake_verify) share one fake server."""

import pytest

from fake_authy.testing import FakeAuthyServer
from tools import browser


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options (--headed, --slowmo), on the system Chromium when present."""
    return {**browser.launch_options(), **browser_type_launch_args}


@pytest.fixture(scope="session")
def fake_server():
    """One fake Authy (and Verify) server for the session; `fake` empties it before each test."""
    with FakeAuthyServer.start() as server:
        yield server


@pytest.fixture
def fake(fake_server):
    fake_server.reset()
    return fake_server
