import functools
import os
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from app import create_app
from app import db
from app.models import User

STAGE = Path(__file__).resolve().parent.parent


# Each setting: the environment variable, the Config attribute it fills, a value to set
# it to, what the app then reads, and the default when it is not set (the Twilio ones
# match the bundled fake's).
SETTINGS = [
    ("SECRET_KEY", "SECRET_KEY", "s3cret", "s3cret", "dev"),
    (
        "DATABASE_URL",
        "SQLALCHEMY_DATABASE_URI",
        "sqlite:////tmp/other.db",
        "sqlite:////tmp/other.db",
        "sqlite:///" + str(STAGE / "instance" / "app.db"),
    ),
    ("SQLITE_TIMEOUT", "SQLITE_TIMEOUT", "2.5", 2.5, 30),
    ("POSTGRESQL_LOCK_TIMEOUT", "POSTGRESQL_LOCK_TIMEOUT", "2.5", 2.5, 10),
    ("TWILIO_ACCOUNT_SID", "TWILIO_ACCOUNT_SID", "AC1", "AC1", "ACe5f543091345a99506cd77a113baff8e"),
    ("TWILIO_AUTH_TOKEN", "TWILIO_AUTH_TOKEN", "t", "t", "e1466187c844c921b622aff2197444cf"),
    ("TWILIO_VERIFY_SERVICE_SID", "TWILIO_VERIFY_SERVICE_SID", "VA1", "VA1",
     "VAe70af67821a30f03b47ede0202c930c5"),
    ("TWILIO_VERIFY_BASE_URL", "TWILIO_VERIFY_BASE_URL", "http://x", "http://x",
     "http://127.0.0.1:5001"),
    ("VERIFY_APP_NAME", "VERIFY_APP_NAME", "My App", "My App", "Push 2FA Tutorial"),
    ("VERIFY_TIMEOUT", "VERIFY_TIMEOUT", "2.5", 2.5, 5),
    ("POLL_INTERVAL", "POLL_INTERVAL", "0.2", 0.2, 1),
    ("QR_EXPIRY", "QR_EXPIRY", "200", 200, 300),
    ("PUSH_EXPIRY", "PUSH_EXPIRY", "30", 30, 120),
    ("PROXY_HOPS", "PROXY_HOPS", "1", 1, 0),
    ("VERIFY_WEBHOOK_URL", "VERIFY_WEBHOOK_URL", "https://x/verify/webhook",
     "https://x/verify/webhook", ""),
    ("CALLBACK_POLL_INTERVAL", "CALLBACK_POLL_INTERVAL", "0.5", 0.5, 0.2),
    ("RESEND_COOLDOWN", "RESEND_COOLDOWN", "10", 10, 30),
    ("RESEND_LIMIT", "RESEND_LIMIT", "5", 5, 3),
    ("PUSH_CAP", "PUSH_CAP", "20", 20, 10),
    ("PUSH_CAP_WINDOW", "PUSH_CAP_WINDOW", "60", 60, 3600),
    ("DENIAL_LIMIT", "DENIAL_LIMIT", "5", 5, 2),
    ("DENIAL_COOLDOWN", "DENIAL_COOLDOWN", "60", 60, 900),
    ("FRESH_AUTH_SECONDS", "FRESH_AUTH_SECONDS", "60", 60, 600),
    ("REGISTRATION_LIMIT", "REGISTRATION_LIMIT", "2", 2, 20),
    ("PROFILE_LIMIT", "PROFILE_LIMIT", "2", 2, 60),
    ("LOOKUP_WINDOW", "LOOKUP_WINDOW", "60", 60, 3600),
    ("ENABLE_LIMIT", "ENABLE_LIMIT", "2", 2, 5),
    ("ENABLE_WINDOW", "ENABLE_WINDOW", "60", 60, 3600),
    ("PASSWORD_FREE_FAILURES", "PASSWORD_FREE_FAILURES", "3", 3, 5),
    ("PASSWORD_BACKOFF", "PASSWORD_BACKOFF", "10", 10, 30),
    ("PASSWORD_MAX_BACKOFF", "PASSWORD_MAX_BACKOFF", "60", 60, 900),
    ("PASSWORD_FAILURE_MEMORY", "PASSWORD_FAILURE_MEMORY", "60", 60, 86400),
    ("KNOWN_DEVICE_DAYS", "KNOWN_DEVICE_DAYS", "7", 7, 365),
    ("PASSWORD_ADDRESS_LIMIT", "PASSWORD_ADDRESS_LIMIT", "20", 20, 50),
    ("PASSWORD_WINDOW", "PASSWORD_WINDOW", "60", 60, 900),
]
FIELDS = ("variable", "attribute", "value", "read", "default")


@pytest.mark.parametrize(FIELDS, SETTINGS)
def test_setting_default(load_config, variable, attribute, value, read, default):
    assert getattr(load_config(), attribute) == default


@pytest.mark.parametrize(FIELDS, SETTINGS)
def test_setting_from_environment(load_config, variable, attribute, value, read, default):
    assert getattr(load_config(**{variable: value}), attribute) == read



@pytest.mark.parametrize(("value", "read"), [("300", 300), ("301", 300), ("86400", 300), ("59", 60), ("0", 60)])
def test_qr_expiry_limits(load_config, value, read):
    # a Verify access token lasts 60 seconds to five minutes, and the QR code as long
    assert load_config(QR_EXPIRY=value).QR_EXPIRY == read

@pytest.mark.parametrize(("value", "read"), [("300", 300), ("301", 300), ("86400", 300), ("0", 1)])
def test_push_expiry_limits(load_config, value, read):
    # a login request waits at most five minutes, and never "for ever" (0 at Verify)
    assert load_config(PUSH_EXPIRY=value).PUSH_EXPIRY == read


def test_testing(load_config):
    # testing mode comes only from a test's own settings: the plain settings leave it off
    plain = create_app(load_config(SECRET_KEY="s3cret", DATABASE_URL="sqlite://"))
    assert not plain.testing


def test_instance_folder_created(load_config, monkeypatch, tmp_path):
    # instance/ (the default database's folder) is not in git: on a fresh clone create_app
    # makes it. Give the app an instance folder that does not exist yet, and see it appear.
    instance = tmp_path / "instance"
    monkeypatch.setattr("app.Flask", functools.partial(Flask, instance_path=str(instance)))
    app = create_app(load_config(SECRET_KEY="s3cret", DATABASE_URL="sqlite://"))
    assert app.instance_path == str(instance)
    assert os.path.isdir(instance)


@pytest.mark.parametrize("secret_key", [None, "", "dev"])
def test_default_secret_key_refused(load_config, monkeypatch, secret_key):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    environ = {"DATABASE_URL": "sqlite://"}
    if secret_key is not None:
        environ["SECRET_KEY"] = secret_key
    # outside debug mode and tests, the app does not start without a real key
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(load_config(**environ))


def test_default_secret_key_allowed_in_debug(load_config, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app(load_config(DATABASE_URL="sqlite://"))
    assert app.debug
    assert app.config["SECRET_KEY"] == "dev"


def test_secret_key_from_environment(load_config, monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app(load_config(SECRET_KEY="s3cret", DATABASE_URL="sqlite://"))
    assert app.config["SECRET_KEY"] == "s3cret"


def test_sqlite_writes_do_not_wait_for_readers(app, database):
    """Under load, every waiting page reads the database at each poll. In SQLite's default
    mode a write (a login, a callback) must wait until nobody reads; with the write-ahead
    log that create_app() turns on, it does not wait at all."""
    if database != "sqlite":
        pytest.skip("PostgreSQL's readers never hold up its writers")
    quick = create_app(type("QuickLock", (), {**app.config, "SQLITE_TIMEOUT": 0.5}))
    with quick.app_context():
        reader = sqlite3.connect(db.engine.url.database, isolation_level=None)
        try:
            reader.execute("BEGIN")  # a read in progress, as a poll's
            assert reader.execute("SELECT count(*) FROM user").fetchone() == (2,)
            db.session.add(User(username="newcomer", email="newcomer@example.com", password_hash="x"))
            db.session.commit()  # in the default mode: "database is locked" after SQLITE_TIMEOUT
            assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        finally:
            reader.close()
            db.engine.dispose()
