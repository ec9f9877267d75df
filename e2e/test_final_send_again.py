"""Send again and This wasn't me on the waiting page (final only)."""

import re
import secrets

import pytest
from playwright.sync_api import expect

from test_enable_2fa import enable_2fa
from test_push_login import log_in_again
from tools import stages
from tools.servers import AppServer
from tools.servers import free_port


@pytest.fixture
def no_cooldown_app(live_app, fake_authy, tmp_path):
    """Final with no wait between two Send again (the 30 s are tested in final/tests)."""
    app = AppServer(
        folder=stages.ROOT / stages.get(live_app.stage_id).path,
        port=free_port(),
        log=tmp_path / "server.log",
        env={
            "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
            "AUTHY_API_URL": fake_authy.url,
            "POLL_INTERVAL": "0.2",
            "RESEND_COOLDOWN": "0",
            "FLASK_DEBUG": "0",
            "SECRET_KEY": secrets.token_hex(16),
        },
    ).start()
    yield app
    app.stop()


@pytest.mark.since("final")
def test_a_fourth_send_again_is_refused(page, no_cooldown_app, user, phone, fake_authy):
    username = enable_2fa(page, no_cooldown_app, user, phone, fake_authy)
    log_in_again(page, no_cooldown_app, user, username)
    code = page.get_by_test_id("login-code").inner_text()
    for sent in range(2, 5):
        page.get_by_role("button", name="Send again").click()
        expect(page.get_by_role("alert")).to_have_text("We sent a new request to your phone.")
        # one more request on the phone, with the same code
        assert len(phone.requests()) == sent
        assert phone.latest()["details"]["Code"] == code
    page.get_by_role("button", name="Send again").click()
    expect(page.get_by_role("alert")).to_have_text(
        "No more requests for this login. Log in again if you need another.")
    assert len(phone.requests()) == 4
    # the newest request signs in (that older ones no longer count is in final/tests)
    phone.approve_latest()
    expect(page.get_by_role("heading", name=f"Hi, {username}!")).to_be_visible()


@pytest.mark.since("final")
def test_this_wasnt_me(page, live_app, user, phone, fake_authy):
    username = enable_2fa(page, live_app, user, phone, fake_authy)
    log_in_again(page, live_app, user, username)
    page.get_by_role("button", name="This wasn't me").click()
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    expect(page.get_by_role("alert")).to_contain_text("Login stopped.")
    # the request is still on the phone, but approving it signs nobody in
    phone.approve_latest()
    page.goto(f"{live_app.url}/")
    expect(page).to_have_url(re.compile(r"/auth/login\?next="))
