"""Settings of the fake, read from the same environment variables as the tutorial's app."""

import hashlib
import os
from dataclasses import dataclass

# The local defaults, the same as in every stage's .env.example: a learner who sets nothing
# gets an app and a fake that agree with each other.
DEFAULT_APP_NAME = "Push 2FA Tutorial"
DEFAULT_APP_ID = "46113"
# At least 32 bytes, as HS256 keys should have (PyJWT warns about shorter ones); real Authy
# API keys have 32 characters.
DEFAULT_API_KEY = "fake-authy-api-key-for-local-use-only"
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

    def __post_init__(self):
        # Authy application ids are numbers; the JSON answers carry it as one.
        if not self.app_id.isdigit():
            raise ValueError(f"AUTHY_APP_ID must be a number, not {self.app_id!r}")

    @property
    def app_object_id(self):
        """The application's 24-hex id ("app_id" in answers), the same on every start."""
        return hashlib.sha256(f"authy-application-{self.app_id}".encode()).hexdigest()[:24]

    @classmethod
    def from_env(cls, environ=os.environ, **overrides):
        """Settings from AUTHY_* and FAKE_AUTHY_CALLBACK_URL; keyword arguments win."""
        values = {
            "app_name": environ.get("AUTHY_APP_NAME", DEFAULT_APP_NAME),
            "app_id": environ.get("AUTHY_APP_ID", DEFAULT_APP_ID),
            "api_key": environ.get("AUTHY_PRODUCTION_API_KEY", DEFAULT_API_KEY),
            "callback_url": environ.get("FAKE_AUTHY_CALLBACK_URL") or None,
        }
        values.update({name: value for name, value in overrides.items() if value is not None})
        return cls(**values)
