"""A fake of the legacy Authy API with a simulated phone.

Layout (the same split as moto's fakes of AWS services):

- `store.py`: the state (users, registrations, approval requests, the call log) in SQLite
- `state.py`: what the routes share while the server runs (settings, store, fault mode)
- `api.py`: the Authy API routes and their wire format; `params.py` reads request bodies
- `phone.py`: the simulated phone (a page for people, JSON routes for tests)
- `callbacks.py`: signed OneTouch callbacks to the app
- `control.py`: test-only controls (reset, fault modes, the call log)
- `testing.py`: a helper that runs the fake as a real server for tests
- `verify/`: Twilio Verify Push (Verify API v2) on the same server, under /v2
"""

from flask import Flask
from flask import redirect
from flask import request
from werkzeug.exceptions import HTTPException

from . import api
from . import control
from . import phone
from .settings import Settings
from .state import FakeAuthy
from .store import Store
from .verify import routes as verify_routes

# Bodies larger than this are refused before they are read (a picture of a QR code may be
# larger: the phone's scan route raises its own limit).
MAX_BODY_BYTES = 1024 * 1024


def create_app(settings=None):
    """The fake as a Flask app: the Authy API, Verify Push, the phone and the test controls."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    # Authy answers with an explicit charset; some clients look for it.
    app.json.mimetype = "application/json; charset=utf-8"
    # Keep keys in the order written, as Authy does: details show in the order the app sent.
    app.json.sort_keys = False
    # Compact, also in debug mode: the Python client's Token.ok() looks for the exact text
    # "token":"is valid", without a space, in the answer to a verify.
    app.json.compact = True
    app.extensions["fake_authy"] = FakeAuthy(
        settings=settings, store=Store(settings.db_path), callback_url=settings.callback_url
    )

    app.register_blueprint(api.bp)
    app.register_blueprint(phone.bp)
    app.register_blueprint(control.bp)
    app.register_blueprint(verify_routes.bp)
    app.register_error_handler(HTTPException, handle_http_error)
    # A person who opens the bare address wants the phone.
    app.add_url_rule("/", "index", lambda: redirect("/phone"))
    return app


def handle_http_error(error):
    """HTTP errors as JSON: Authy's envelope on its paths, Twilio's on /v2, {"error": ...} on the others."""
    if verify_routes.is_verify_path(request.path):
        return verify_routes.http_error(error)
    if api.is_api_path(request.path):
        return api.http_error(error)
    return {"error": error.description}, error.code
