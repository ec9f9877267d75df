"""A fake of the legacy Authy API with a simulated phone.

Layout (the same split as moto's fakes of AWS services):

- `store.py`: the state (users, registrations, approval requests, the call log) in SQLite
- `api.py`: the Authy API routes and their wire format; `params.py` reads request bodies
- `phone.py`: the simulated phone (a page for people, JSON routes for tests)
- `callbacks.py`: signed OneTouch callbacks to the app
- `control.py`: test-only controls (reset, fault modes, the call log)
- `testing.py`: a helper that runs the fake as a real server for tests
"""

import threading
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace

from flask import Flask
from flask import current_app
from flask import redirect
from flask import request
from werkzeug.exceptions import HTTPException

from .settings import Settings
from .store import Store

# Bodies larger than this are refused before they are read (a picture of a QR code may be
# larger: the phone's scan route raises its own limit).
MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Fault:
    """How the Authy API misbehaves, set through /_control/faults."""

    mode: str = "none"
    seconds: float = 0
    # How many more API calls misbehave before the mode goes back to none; None: all of them.
    calls: int | None = None


@dataclass
class FakeAuthy:
    """What the routes share: settings, state, and the switches the test controls flip."""

    settings: Settings
    store: Store
    fault: Fault = field(default_factory=Fault)
    callback_url: str | None = None
    _fault_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def reset(self):
        """Forget all state and return the switches to how the server started."""
        self.store.reset()
        self.fault = Fault()
        self.callback_url = self.settings.callback_url

    def take_fault(self):
        """The fault for one API call, counting it when the fault is for a number of calls."""
        with self._fault_lock:
            current = self.fault
            if current.calls is not None:
                left = current.calls - 1
                self.fault = replace(current, calls=left) if left > 0 else Fault()
            return current


def fake():
    """The FakeAuthy of the running app."""
    return current_app.extensions["fake_authy"]


def create_app(settings=None):
    """The fake as a Flask app: the Authy API, the phone and the test controls."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    # Authy answers with an explicit charset; some clients look for it.
    app.json.mimetype = "application/json; charset=utf-8"
    # Keep keys in the order written, as Authy does: details show in the order the app sent.
    app.json.sort_keys = False
    app.extensions["fake_authy"] = FakeAuthy(
        settings=settings, store=Store(settings.db_path), callback_url=settings.callback_url
    )

    from . import api
    from . import control
    from . import phone

    app.register_blueprint(api.bp)
    app.register_blueprint(phone.bp)
    app.register_blueprint(control.bp)
    app.register_error_handler(HTTPException, handle_http_error)
    # A person who opens the bare address wants the phone.
    app.add_url_rule("/", "index", lambda: redirect("/phone"))
    return app


def handle_http_error(error):
    """HTTP errors as JSON: Authy's envelope on its paths, {"error": ...} on the others."""
    from . import api

    if api.is_api_path(request.path):
        return api.http_error(error)
    return {"error": error.description}, error.code
