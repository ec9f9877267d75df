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
    # Test each pooled connection before use: a database server that restarted, or a
    # firewall that dropped an idle connection, then costs a reconnect, not an error page.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # SQLite only: how many seconds a request waits for another's write to finish.
    SQLITE_TIMEOUT = float(os.environ.get("SQLITE_TIMEOUT") or 30)

    # Cookies are hidden from JavaScript and not sent with cross-site POSTs;
    # over HTTPS (HTTPS=1) they are never sent over plain HTTP either.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_flag("HTTPS")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = env_flag("HTTPS")

    # How many reverse proxies of our own (nginx, a load balancer) stand in front of the app.
    # Each adds the address it saw to X-Forwarded-For; the app believes exactly that many
    # entries, from the right. 0: the app faces browsers directly and ignores the header.
    PROXY_HOPS = int(os.environ.get("PROXY_HOPS") or 0)

    # The largest request body the app reads, in bytes. Its forms send a few hundred; a
    # larger body gets 413 Request Entity Too Large before any of it is read.
    MAX_CONTENT_LENGTH = 64 * 1024

    # Serve Bootstrap's CSS from this app rather than from a CDN.
    BOOTSTRAP_SERVE_LOCAL = True

    # Twilio Verify (Verify Push). The defaults talk to the bundled fake (python -m fake_authy),
    # which reads the same three TWILIO_* names; a real deployment sets its own account's.
    TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID") or "ACe5f543091345a99506cd77a113baff8e"
    TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN") or "e1466187c844c921b622aff2197444cf"
    TWILIO_VERIFY_SERVICE_SID = (
        os.environ.get("TWILIO_VERIFY_SERVICE_SID") or "VAe70af67821a30f03b47ede0202c930c5"
    )
    # Where the Verify API is: https://verify.twilio.com for the real service.
    TWILIO_VERIFY_BASE_URL = os.environ.get("TWILIO_VERIFY_BASE_URL") or "http://127.0.0.1:5001"
    # The app's name on the phone, before the username of each factor.
    VERIFY_APP_NAME = os.environ.get("VERIFY_APP_NAME") or "Push 2FA Tutorial"
    # Seconds to wait for Verify to connect and to answer.
    VERIFY_TIMEOUT = float(os.environ.get("VERIFY_TIMEOUT") or 5)
    # Seconds between the browser's status checks on the QR and waiting pages.
    POLL_INTERVAL = float(os.environ.get("POLL_INTERVAL") or 1)
    # Seconds a QR code can be scanned: 60 to 300 (a Verify access token lasts that long).
    QR_EXPIRY = min(max(int(os.environ.get("QR_EXPIRY") or 300), 60), 300)
    # Seconds a login request waits for the user's answer on the phone: 1 to 300.
    PUSH_EXPIRY = min(max(int(os.environ.get("PUSH_EXPIRY") or 120), 1), 300)
    # Failed passwords for one account: PASSWORD_FREE_FAILURES in a row cost nothing; after
    # each further one, the next attempt waits PASSWORD_BACKOFF seconds, doubled each time up
    # to PASSWORD_MAX_BACKOFF. Failures older than PASSWORD_FAILURE_MEMORY seconds, and those
    # before a right password, are forgotten. A browser that has signed in to the account
    # (a known device, for KNOWN_DEVICE_DAYS) has a count of its own; other browsers share one.
    PASSWORD_FREE_FAILURES = int(os.environ.get("PASSWORD_FREE_FAILURES") or 5)
    PASSWORD_BACKOFF = int(os.environ.get("PASSWORD_BACKOFF") or 30)
    PASSWORD_MAX_BACKOFF = int(os.environ.get("PASSWORD_MAX_BACKOFF") or 900)
    PASSWORD_FAILURE_MEMORY = int(os.environ.get("PASSWORD_FAILURE_MEMORY") or 86400)
    KNOWN_DEVICE_DAYS = int(os.environ.get("KNOWN_DEVICE_DAYS") or 365)
    # And at most PASSWORD_ADDRESS_LIMIT failed passwords from one client address (other than
    # known devices'), for any accounts, in PASSWORD_WINDOW seconds.
    PASSWORD_ADDRESS_LIMIT = int(os.environ.get("PASSWORD_ADDRESS_LIMIT") or 50)
    PASSWORD_WINDOW = int(os.environ.get("PASSWORD_WINDOW") or 900)
    # Enabling or disabling 2FA needs a login (password, or password and push) at most this
    # many seconds old; otherwise the password is asked for again.
    FRESH_AUTH_SECONDS = int(os.environ.get("FRESH_AUTH_SECONDS") or 600)
    # Against push bombing: at most PUSH_CAP pushes per account in PUSH_CAP_WINDOW seconds
    # (Send again included), and after DENIAL_LIMIT logins in a row denied, expired or
    # reported, no push for DENIAL_COOLDOWN seconds. Keep DENIAL_LIMIT * (RESEND_LIMIT + 1)
    # below PUSH_CAP (2 * 4 = 8 < 10), or logins that use every Send again reach the cap
    # before the cooldown ever starts.
    PUSH_CAP = int(os.environ.get("PUSH_CAP") or 10)
    PUSH_CAP_WINDOW = int(os.environ.get("PUSH_CAP_WINDOW") or 3600)
    DENIAL_LIMIT = int(os.environ.get("DENIAL_LIMIT") or 2)
    DENIAL_COOLDOWN = int(os.environ.get("DENIAL_COOLDOWN") or 900)
    # Registrations and other users' profiles say whether a username (or email) is taken:
    # at most REGISTRATION_LIMIT failed registrations and PROFILE_LIMIT look-ups of other
    # users' profiles per client address in LOOKUP_WINDOW seconds.
    REGISTRATION_LIMIT = int(os.environ.get("REGISTRATION_LIMIT") or 20)
    PROFILE_LIMIT = int(os.environ.get("PROFILE_LIMIT") or 60)
    LOOKUP_WINDOW = int(os.environ.get("LOOKUP_WINDOW") or 3600)
    # Enable 2FA: each press makes a new QR code (an invitation to add the account to a
    # phone); at most ENABLE_LIMIT presses per account in ENABLE_WINDOW seconds.
    ENABLE_LIMIT = int(os.environ.get("ENABLE_LIMIT") or 5)
    ENABLE_WINDOW = int(os.environ.get("ENABLE_WINDOW") or 3600)
    # "Send again" on the waiting page: at most RESEND_LIMIT times per login, and not sooner
    # than RESEND_COOLDOWN seconds after the last push.
    RESEND_COOLDOWN = int(os.environ.get("RESEND_COOLDOWN") or 30)
    RESEND_LIMIT = int(os.environ.get("RESEND_LIMIT") or 3)
    # Where Verify sends its webhooks, exactly as set on the Verify Service's webhook (the
    # signature covers it), e.g. https://example.com/verify/webhook. Empty: webhooks are
    # off, and the waiting page asks Verify at every poll.
    VERIFY_WEBHOOK_URL = os.environ.get("VERIFY_WEBHOOK_URL") or ""
    # Seconds between the waiting page's polls when webhooks are on: each poll then only
    # reads the database, so it can be frequent.
    CALLBACK_POLL_INTERVAL = float(os.environ.get("CALLBACK_POLL_INTERVAL") or 0.2)
