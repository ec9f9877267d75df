"""OneTouch callbacks: Authy tells the app that the user answered a push.

With callbacks on (AUTHY_CALLBACK_URL set, and the same URL set for the application in the
Twilio console), Authy POSTs the answer here the moment the user taps Approve or Deny.
The waiting page then learns it from the database, and asks Authy only once, to confirm an
approval. A callback is signed with the API key; this module checks the signature, its age,
and that it was not seen before, and only then notes the answer on the matching login. It
never signs anyone in: that stays the waiting page's job, in the browser that logged in.
"""

import base64
import hashlib
import hmac
import math
import time
from datetime import timedelta
from urllib.parse import quote_plus

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import current_app
from flask import request

from app import csrf
from app import db
from app.events import event
from app.models import CallbackNonce
from app.models import PendingLogin
from app.models import User
from app.models import utcnow

bp = Blueprint("onetouch", __name__)

# A callback signed longer ago than this (or this far in the future) is refused; its nonce
# need not be remembered for longer either.
NONCE_SECONDS = 300
# What a callback can say; an expiry is never sent.
ANSWERS = ("approved", "denied")
# A callback's body is a few kB, four levels deep: anything much larger or deeper is not
# one, and is refused before it costs memory or recursion.
MAX_BODY = 64 * 1024
MAX_DEPTH = 16


def canonical(params):
    """The body as Authy signs it: `a[b][c]=value` pairs, percent-encoded, sorted, joined by &.

    Arrays are sorted by position (`a[0]`, `a[1]`, compared as text) but written without
    it (`a[]`); null is empty, booleans are `true` and `false`; an empty {} or [] is left out.
    ValueError for a body nested deeper than MAX_DEPTH.
    """
    pairs = []
    for path, value in _leaves(params, ()):
        value = _encode(value)
        pairs.append((f"{_encode(_key(path, True))}={value}", f"{_encode(_key(path, False))}={value}"))
    return "&".join(written for _, written in sorted(pairs))


def _leaves(value, path):
    """(path, text) for every value in the body; a path holds names, and positions in arrays."""
    if len(path) > MAX_DEPTH:
        raise ValueError("nested too deep")  # before Python's own recursion limit is near
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _leaves(item, (*path, str(name)))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _leaves(item, (*path, position))
    elif value is None:
        yield path, ""
    elif isinstance(value, bool):
        yield path, "true" if value else "false"
    else:
        yield path, str(value)


def _key(path, with_positions):
    name, *parts = path
    return name + "".join(f"[{part}]" if with_positions or isinstance(part, str) else "[]" for part in parts)


def _encode(text):
    # Keeps A-Z a-z 0-9 - _ . ~, writes a space as + and everything else as %XX.
    return quote_plus(text, safe="")


def signature(api_key, nonce, method, url, params):
    """base64(HMAC-SHA256(API key, nonce|method|url|canonical body)): X-Authy-Signature."""
    message = "|".join((nonce, method, url, canonical(params)))
    return base64.b64encode(hmac.new(api_key.encode(), message.encode(), hashlib.sha256).digest())


def refuse(status, reason):
    event("callback_refused", reason=reason)
    return {"error": reason}, status


@bp.route("/authy/callback", methods=["POST"])
@csrf.exempt  # Authy cannot send a CSRF token; the signature proves who sent it instead
def callback():
    config = current_app.config
    if not config["AUTHY_CALLBACK_URL"]:
        abort(404)  # callbacks are off
    # Anyone can send a body: one that says it is larger than a callback is refused unread.
    if (request.content_length or 0) > MAX_BODY:
        return refuse(413, "a body too large")
    signed = request.headers.get("X-Authy-Signature", "")
    nonce = request.headers.get("X-Authy-Signature-Nonce", "")
    if not signed or not nonce:
        return refuse(401, "no signature")
    try:
        signed_at = float(nonce)
    except ValueError:
        return refuse(401, "a nonce that is not a time")
    if not math.isfinite(signed_at) or abs(time.time() - signed_at) > NONCE_SECONDS:
        return refuse(401, "a nonce too old or in the future")
    params, refusal = read_body()
    if refusal:
        return refusal
    try:
        expected = signature(config["AUTHY_PRODUCTION_API_KEY"], nonce, "POST",
                             config["AUTHY_CALLBACK_URL"], params)
    except ValueError:
        return refuse(400, "a body nested too deep")
    # Compared in constant time: how long a wrong guess takes says nothing about the answer.
    if not hmac.compare_digest(expected, signed.encode()):
        return refuse(401, "a wrong signature")
    if not remember_nonce(nonce, signed):
        return refuse(401, "a callback already received")
    note_answer(params)
    return {}, 200


def read_body():
    """(the body's JSON object, None), or (None, a refusal): too large, or not a JSON object."""
    # A body sent in chunks has no Content-Length: read one byte past the limit, no more.
    request.max_content_length = MAX_BODY + 1
    if len(request.get_data()) > MAX_BODY:
        return None, refuse(413, "a body too large")
    try:
        params = request.get_json(silent=True)
    except RecursionError:  # a thousand [ in a row; get_json catches only ValueError
        params = None
    if not isinstance(params, dict):
        return None, refuse(400, "a body that is not a JSON object")
    return params, None


def remember_nonce(nonce, signed):
    """Note a callback as received; False if it was received before (a replay)."""
    # What is older than NONCE_SECONDS is refused by its age: no need to keep it.
    oldest = utcnow() - timedelta(seconds=NONCE_SECONDS * 2)
    db.session.execute(sa.delete(CallbackNonce).where(CallbackNonce.received_at < oldest))
    db.session.add(CallbackNonce(nonce=nonce[:64], signature=signed[:128]))
    try:
        db.session.commit()  # the unique constraint decides, even between worker processes
    except sa.exc.IntegrityError:
        db.session.rollback()
        return False
    return True


def note_answer(params):
    """Note the phone's answer on the open login that sent this request, if there is one."""
    uuid, answer, authy_id = params.get("uuid"), params.get("status"), params.get("authy_id")
    if not isinstance(uuid, str) or answer not in ANSWERS or type(authy_id) is not int:
        event("callback_refused", reason="no usable answer")
        return
    # One UPDATE: only an open login, only for that request, only of the user with that
    # Authy id, and only the first answer counts.
    noted = db.session.execute(
        sa.update(PendingLogin)
        .where(
            PendingLogin.authy_uuid == uuid,
            PendingLogin.consumed_at.is_(None),
            PendingLogin.answer.is_(None),
            PendingLogin.user_id.in_(sa.select(User.id).where(User.authy_id == authy_id)),
        )
        .values(answer=answer)
    )
    db.session.commit()
    event("callback_received", answer=answer, matched=noted.rowcount == 1)
