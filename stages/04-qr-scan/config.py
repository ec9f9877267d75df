import os

basedir = os.path.abspath(os.path.dirname(__file__))


def env_flag(name):
    """True when the environment variable is set to 1, true, yes or on."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


class Config:
    # "dev" is only good for debug mode and tests: create_app() refuses it elsewhere.
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev"
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or (
        "sqlite:///" + os.path.join(basedir, "instance", "app.db")
    )

    # Cookies are hidden from JavaScript and not sent with cross-site POSTs;
    # over HTTPS (HTTPS=1) they are never sent over plain HTTP either.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_flag("HTTPS")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = env_flag("HTTPS")

    # The largest request body the app reads, in bytes. Its forms send a few hundred; a
    # larger body gets 413 Request Entity Too Large before any of it is read.
    MAX_CONTENT_LENGTH = 64 * 1024

    # Serve Bootstrap's CSS from this app rather than from a CDN.
    BOOTSTRAP_SERVE_LOCAL = True

    # Authy, used from stage 04 on. The defaults talk to the bundled fake Authy.
    AUTHY_APP_NAME = os.environ.get("AUTHY_APP_NAME") or "Push 2FA Tutorial"
    AUTHY_APP_ID = os.environ.get("AUTHY_APP_ID") or "46113"
    AUTHY_PRODUCTION_API_KEY = (
        os.environ.get("AUTHY_PRODUCTION_API_KEY") or "fake-authy-api-key-for-local-use-only"
    )
    AUTHY_API_URL = os.environ.get("AUTHY_API_URL") or "http://127.0.0.1:5001"
    # Seconds to wait for Authy to connect and to answer.
    AUTHY_TIMEOUT = float(os.environ.get("AUTHY_TIMEOUT") or 5)
    # Seconds between the browser's status checks on the QR and waiting pages.
    POLL_INTERVAL = float(os.environ.get("POLL_INTERVAL") or 1)
    # Seconds a QR code can be scanned: 1 to 300 (Authy allows five minutes at most).
    QR_EXPIRY = min(max(int(os.environ.get("QR_EXPIRY") or 300), 1), 300)
