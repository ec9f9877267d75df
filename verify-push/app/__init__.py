import os

import sqlalchemy as sa
from flask import Flask
from flask import current_app
from flask import request
from flask_bootstrap import Bootstrap5
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config

db = SQLAlchemy()
# Batch mode lets Alembic change columns of an existing SQLite table.
migrate = Migrate(render_as_batch=True)
login = LoginManager()
login.login_view = "auth.login"
login.login_message = "Please log in to access this page."
login.login_message_category = "info"
# Where fresh_login_required (app/sessions.py) sends a user whose login is not recent.
login.refresh_view = "auth.confirm"
login.needs_refresh_message = "Please enter your password again to continue."
login.needs_refresh_message_category = "info"
csrf = CSRFProtect()
bootstrap = Bootstrap5()


def create_app(config_class=Config):
    app = Flask(__name__)
    app.config.from_object(config_class)
    if app.config["SECRET_KEY"] in (None, "", "dev") and not (app.debug or app.testing):
        raise RuntimeError(
            "Set SECRET_KEY to a long random value (the development key 'dev' only"
            " works in debug mode and tests), for example the output of:"
            " python -c \"import secrets; print(secrets.token_hex())\""
        )
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite lets one connection write at a time; the others wait for their turn up to
        # SQLITE_TIMEOUT seconds (Python's default is 5) instead of failing at once with
        # "database is locked". Each write here is one short transaction.
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options["connect_args"] = {"timeout": app.config["SQLITE_TIMEOUT"]}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # PostgreSQL waits for a lock as long as it takes: a migration holding one on a table
        # would hang every request that reads it until gunicorn ends the worker (30 s). After
        # POSTGRESQL_LOCK_TIMEOUT seconds the statement fails, and the page says "Busy".
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        milliseconds = round(app.config["POSTGRESQL_LOCK_TIMEOUT"] * 1000)
        options["connect_args"] = {"options": f"-c lock_timeout={milliseconds}"}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if app.config["PROXY_HOPS"]:
        # Trust what our own proxies say about the browser's address and scheme, and only
        # them: a browser can put anything in X-Forwarded-For itself.
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    else:
        app.before_request(warn_of_a_proxy)

    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            sa.event.listen(db.engine, "connect", write_ahead_log)
    migrate.init_app(app, db)
    login.init_app(app)
    csrf.init_app(app)
    bootstrap.init_app(app)

    from app import security
    security.init_app(app)

    from app import events
    events.init_app(app)

    # Every call to Verify gives up after VERIFY_TIMEOUT seconds (see app/verify.py).
    from app import verify
    verify.init_app(app)

    from app.errors import bp as errors_bp
    app.register_blueprint(errors_bp)

    from app.auth import bp as auth_bp
    app.register_blueprint(auth_bp, url_prefix="/auth")

    from app.main import bp as main_bp
    app.register_blueprint(main_bp)

    from app.twofa import bp as twofa_bp
    app.register_blueprint(twofa_bp, url_prefix="/2fa")

    from app.webhooks import bp as webhooks_bp
    app.register_blueprint(webhooks_bp)

    return app


def write_ahead_log(connection, _record):
    """SQLite's write-ahead log: readers no longer wait for a writer, nor a writer for them.

    In SQLite's default mode a write waits until no other connection is reading, and every
    waiting page reads the database at each poll; with the log, only writes wait for each
    other. The setting stays with the file ("Write-Ahead Logging" in SQLite's documentation).
    """
    connection.execute("PRAGMA journal_mode=WAL")


def warn_of_a_proxy():
    """Log once if a request comes through a proxy while PROXY_HOPS is 0: every browser then
    seems to be at the proxy's address, and shares one count of the per-address limits."""
    if "X-Forwarded-For" in request.headers and not current_app.extensions.get("proxy_warned"):
        current_app.extensions["proxy_warned"] = True
        current_app.logger.warning(
            "A request came with X-Forwarded-For, but PROXY_HOPS is 0: the app sees the"
            " proxy's address for every browser. Set PROXY_HOPS to the number of your proxies."
        )


from app import models  # noqa: E402,F401  (the models register themselves with db)
