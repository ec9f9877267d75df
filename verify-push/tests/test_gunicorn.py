import runpy

import pytest
from flask import Flask
from gunicorn.util import import_app

from app import create_app
from app import db
from config import Config
from conftest import STAGE
from conftest import AuthActions
from conftest import PushActions


def gunicorn_settings(monkeypatch, **environ):
    """gunicorn.conf.py's settings, read as gunicorn reads them, with this environment."""
    for name in ("WEB_CONCURRENCY", "BIND"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(STAGE / "gunicorn.conf.py"))


@pytest.fixture
def production(monkeypatch):
    """The settings as a server has them: not debug mode, a database of its own."""
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setattr(Config, "SQLALCHEMY_DATABASE_URI", "sqlite://")


def test_gunicorn_serves_the_factory(monkeypatch, production):
    settings = gunicorn_settings(monkeypatch)
    monkeypatch.setattr(Config, "SECRET_KEY", "s3cret")
    # what gunicorn loads in each worker is the app, made by create_app()
    assert isinstance(import_app(settings["wsgi_app"]), Flask)


def test_gunicorn_runs_several_workers(monkeypatch):
    # by default more than one process, on the local interface only
    settings = gunicorn_settings(monkeypatch)
    assert settings["workers"] >= 3
    assert settings["bind"] == "127.0.0.1:8000"
    # both can be set from the environment, as platforms do
    settings = gunicorn_settings(monkeypatch, WEB_CONCURRENCY="4", BIND="0.0.0.0:8080")
    assert settings["workers"] == 4
    assert settings["bind"] == "0.0.0.0:8080"


def test_gunicorn_refuses_the_development_key(monkeypatch, production):
    settings = gunicorn_settings(monkeypatch)
    monkeypatch.setattr(Config, "SECRET_KEY", "dev")
    # gunicorn is not debug mode: without a real SECRET_KEY no worker starts
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        import_app(settings["wsgi_app"])


@pytest.fixture
def other_worker(app):
    """A second app with the same settings, as gunicorn's second worker has."""
    worker = create_app(type("SameConfig", (), dict(app.config)))
    yield worker
    with worker.app_context():  # close its database connection now, not whenever it is garbage
        db.engine.dispose()


def test_a_login_moves_between_processes(client, with_2fa, phone, other_worker):
    """Two workers are two apps with one database and one SECRET_KEY, and nothing else shared."""
    with_2fa()
    # the password step is served by one worker
    AuthActions(client).login()
    # the polls, with the same cookie, by the other: it finds the login in the database
    moved = other_worker.test_client()
    moved.set_cookie("session", client.get_cookie("session").value)
    phone.approve_latest()
    assert PushActions(moved).poll().get_json() == {"redirect": "/"}
    assert moved.get("/").status_code == 200
