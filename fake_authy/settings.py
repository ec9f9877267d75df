"""Settings of the fake, read from the same environment variables as the tutorial's app."""

import hashlib
import os
import re
from dataclasses import dataclass

# The local defaults, the same as in every stage's .env.example: a learner who sets nothing
# gets an app and a fake that agree with each other.
DEFAULT_APP_NAME = "Push 2FA Tutorial"
DEFAULT_APP_ID = "46113"
# At least 32 bytes, as HS256 keys should have (PyJWT warns about shorter ones); real Authy
# API keys have 32 characters.
DEFAULT_API_KEY = "fake-authy-api-key-for-local-use-only"
# Twilio Verify Push (fake_authy/verify/): an account and its Verify Service, shaped like
# real ones (two letters and 32 hex digits; auth tokens are 32 hex digits), fixed so that an
# app and a fake started with no settings agree.
DEFAULT_ACCOUNT_SID = "ACe5f543091345a99506cd77a113baff8e"
DEFAULT_AUTH_TOKEN = "e1466187c844c921b622aff2197444cf"
DEFAULT_VERIFY_SERVICE_SID = "VAe70af67821a30f03b47ede0202c930c5"
# Relative to the folder it runs in: run from a stage's folder, the fake keeps its state
# beside that app's database (instance/app.db), so the phone holds that app's accounts only.
DEFAULT_DB_PATH = os.path.join("instance", "fake_authy.db")


@dataclass(frozen=True)
class Settings:
    """One Authy application, the database file and where OneTouch callbacks go."""

    app_name: str = DEFAULT_APP_NAME
    app_id: str = DEFAULT_APP_ID
    api_key: str = DEFAULT_API_KEY
    db_path: str = DEFAULT_DB_PATH
    callback_url: str | None = None
    account_sid: str = DEFAULT_ACCOUNT_SID
    auth_token: str = DEFAULT_AUTH_TOKEN
    verify_service_sid: str = DEFAULT_VERIFY_SERVICE_SID

    def __post_init__(self):
        # Authy application ids are numbers; the JSON answers carry it as one.
        if not self.app_id.isdigit():
            raise ValueError(f"AUTHY_APP_ID must be a number, not {self.app_id!r}")
        for name, prefix in (("TWILIO_ACCOUNT_SID", "AC"), ("TWILIO_VERIFY_SERVICE_SID", "VA")):
            value = getattr(self, name.removeprefix("TWILIO_").lower())
            if not re.fullmatch(prefix + "[0-9a-f]{32}", value):
                raise ValueError(f"{name} must be {prefix} and 32 hex digits, not {value!r}")
        if not self.auth_token:
            raise ValueError("TWILIO_AUTH_TOKEN must not be empty")

    @property
    def app_object_id(self):
        """The application's 24-hex id ("app_id" in answers), the same on every start."""
        return hashlib.sha256(f"authy-application-{self.app_id}".encode()).hexdigest()[:24]

    @classmethod
    def from_env(cls, environ=os.environ, **overrides):
        """Settings from AUTHY_*, TWILIO_* and FAKE_AUTHY_CALLBACK_URL; keyword arguments win."""
        values = {
            "app_name": environ.get("AUTHY_APP_NAME", DEFAULT_APP_NAME),
            "app_id": environ.get("AUTHY_APP_ID", DEFAULT_APP_ID),
            "api_key": environ.get("AUTHY_PRODUCTION_API_KEY", DEFAULT_API_KEY),
            "callback_url": environ.get("FAKE_AUTHY_CALLBACK_URL") or None,
            "account_sid": environ.get("TWILIO_ACCOUNT_SID", DEFAULT_ACCOUNT_SID),
            "auth_token": environ.get("TWILIO_AUTH_TOKEN", DEFAULT_AUTH_TOKEN),
            "verify_service_sid": environ.get("TWILIO_VERIFY_SERVICE_SID", DEFAULT_VERIFY_SERVICE_SID),
        }
        values.update({name: value for name, value in overrides.items() if value is not None})
        return cls(**values)
