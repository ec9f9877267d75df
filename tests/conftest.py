"""Shared by the repository's tests: the browser tests (tests/fake_authy, tests/figma) run on
the system Chromium when there is one, as the end-to-end scenarios do (e2e/conftest.py)."""

import pytest

from tools import browser


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options (--headed, --slowmo), on the system Chromium when present."""
    return {**browser.launch_options(), **browser_type_launch_args}
