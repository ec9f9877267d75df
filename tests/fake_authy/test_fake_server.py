"""Starting the fake: the command line, settings from the environment, a restart keeps state."""

import re
import sqlite3
import subprocess
import sys

import pytest
import requests
from authy.api import AuthyApiClient

from fake_authy.__main__ import parse_args
from fake_authy.settings import Settings
from fake_authy.store import SCHEMA_VERSION
from fake_authy.testing import FakeAuthyServer
from fake_authy.testing import wait_for


def test_first_line_announces_the_api_and_the_phone(fake_server):
    first_line = (fake_server.folder / "output.log").read_text().splitlines()[0]
    match = re.fullmatch(r"Fake Authy API on (http://127\.0\.0\.1:(\d+))  phone: \1/phone", first_line)
    assert match and match[1] == fake_server.url
    assert int(match[2]) > 0  # --port 0 was replaced by the real port


def test_command_line_and_settings_defaults():
    args = parse_args([])
    assert (args.host, args.port, args.db, args.callback_url) == ("127.0.0.1", 5001, "instance/fake_authy.db", None)
    # without --callback-url, the environment's (Settings.from_env); the option wins over it
    environ = {"FAKE_AUTHY_CALLBACK_URL": "http://app/cb"}
    assert Settings.from_env(environ, callback_url=args.callback_url).callback_url == "http://app/cb"
    given = parse_args(["--callback-url", "http://other/cb"]).callback_url
    assert Settings.from_env(environ, callback_url=given).callback_url == "http://other/cb"
    assert Settings.from_env({}) == Settings("Push 2FA Tutorial", "46113", "fake-authy-api-key-for-local-use-only",
                                            "instance/fake_authy.db", None)


def test_settings_come_from_the_environment_and_the_callback_option(link_for, receiver):
    env = {"AUTHY_APP_NAME": "Other App", "AUTHY_APP_ID": "777", "AUTHY_PRODUCTION_API_KEY": "k" * 32}
    with FakeAuthyServer.start(callback_url=receiver.url, env=env) as other:
        headers = {"X-Authy-API-Key": "k" * 32}
        # A token for the default application is refused; one for this application is not.
        refused = requests.post(f"{other.url}/phone/scan", json={"uri": link_for(other, key="fake-authy-api-key-for-local-use-only")}, timeout=10)
        assert refused.status_code == 400
        authy_id = other.phone.scan(link_for(other))["authy_id"]

        sent = requests.post(f"{other.url}/onetouch/json/users/{authy_id}/approval_requests", json={"message": "Hi"}, headers=headers, timeout=10)
        uuid = sent.json()["approval_request"]["uuid"]
        other.phone.approve(uuid)
        request = requests.get(f"{other.url}/onetouch/json/approval_requests/{uuid}", headers=headers, timeout=10).json()
        assert (request["approval_request"]["_app_name"], request["approval_request"]["_app_serial_id"]) == ("Other App", 777)
        # --callback-url from the start: the approval was sent there.
        assert [callback["json"]["uuid"] for callback in receiver.received] == [uuid]


def test_restart_keeps_everything(tmp_path, link_for):
    db_path = tmp_path / "state.db"
    with FakeAuthyServer.start(db_path=db_path) as first:
        authy_id = first.phone.scan(link_for(first, "7"))["authy_id"]
    with FakeAuthyServer.start(db_path=db_path) as again:
        status = requests.get(
            f"{again.url}/protected/json/registrations/status",
            params={"custom_user_id": "7", "api_key": again.api_key},
            timeout=10,
        )
        assert status.json()["registration"] == {"authy_id": authy_id, "status": "completed"}
        # Ids keep counting: a new account never gets an old one's id.
        assert again.phone.scan(link_for(again, "8"))["authy_id"] == authy_id + 1


def test_by_default_the_state_is_beside_the_apps_database(tmp_path):
    # Started by hand from a stage's folder, as its README says: the state goes to that
    # folder's instance/, where the app keeps instance/app.db (and make clean removes both).
    output = tmp_path / "output.log"
    with open(output, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "fake_authy", "--port", "0"], cwd=tmp_path,
                                   stdout=log, stderr=subprocess.STDOUT)
    with process:
        try:
            wait_for(lambda: "Its state:" in output.read_text(), 15, lambda: f"its state's path:\n{output.read_text()}")
        finally:
            process.terminate()
    assert f"Its state: {tmp_path / 'instance' / 'fake_authy.db'}\n" in output.read_text()
    assert (tmp_path / "instance" / "fake_authy.db").is_file()


def test_a_server_that_cannot_start_says_why():
    with pytest.raises(AssertionError, match=r"(?s)exit code 1\).*AUTHY_APP_ID must be a number, not 'abc'"):
        FakeAuthyServer.start(env={"AUTHY_APP_ID": "abc"})


# The users table as the fake wrote it before it kept codes (schema version 0).
OLD_USERS = """
CREATE TABLE users (
    authy_id INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, email TEXT,
    cellphone TEXT, country_code INTEGER, custom_user_id TEXT UNIQUE, created_at REAL NOT NULL,
    UNIQUE (country_code, cellphone)
);
INSERT INTO users (authy_id, user_id, custom_user_id, created_at) VALUES (1000001, 'aaaaaaaaaaaaaaaaaaaaaaaa', '7', 0);
INSERT INTO users (authy_id, user_id, custom_user_id, created_at) VALUES (1000002, 'bbbbbbbbbbbbbbbbbbbbbbbb', '8', 0);
"""


def test_a_database_from_before_the_codes_is_migrated(tmp_path):
    db_path = tmp_path / "old.db"
    with sqlite3.connect(db_path) as db:
        db.executescript(OLD_USERS)
    with FakeAuthyServer.start(db_path=db_path) as fake:
        authy = AuthyApiClient(fake.api_key, api_uri=fake.url)
        codes = {account["authy_id"]: account["code"] for account in fake.phone.accounts()}
        assert sorted(codes) == [1000001, 1000002]
        assert authy.tokens.verify(1000001, codes[1000001]).ok()
        assert authy.users.status(1000002).content["status"]["devices"] == ["authy"]
    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        secrets = [row[0] for row in db.execute("SELECT totp_secret FROM users")]
    assert len(set(secrets)) == 2 and all(len(secret) == 40 for secret in secrets)
    assert {"verify_factors", "verify_challenges", "verify_webhooks"} <= tables  # Verify Push
