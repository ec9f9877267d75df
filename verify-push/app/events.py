"""Security events: one JSON object per line on the "security" logger.

For whoever runs the site: who logged in, whose phone said no, who was throttled, when
Verify failed. Each line says what happened, when, from which client address and to which
account, and nothing that would let a reader of the log act as the user: never a password,
the API key, a JWT, a session token, or the id of a pending login. Usernames are no secret,
but what someone types into the login form might be (a password in the wrong field), so a
failed login names the account only when it exists.
"""

import json
import logging
from datetime import UTC
from datetime import datetime

from flask import has_request_context
from flask import request

log = logging.getLogger("security")


def init_app(app):
    """Write the events to standard error, where gunicorn, systemd or Docker collect logs."""
    if not any(getattr(handler, "security_events", False) for handler in log.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler.security_events = True
        log.addHandler(handler)
    log.setLevel(logging.INFO)


def event(name, user=None, **details):
    """Log one event, such as event("push_denied", user, code="0427")."""
    record = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": name}
    if has_request_context():
        record["ip"] = request.remote_addr
    if user is not None:
        record.update(user_id=user.id, username=user.username)
    record.update(details)
    log.info(json.dumps(record))
