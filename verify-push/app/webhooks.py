"""Verify webhooks: Twilio tells the app that the user answered a challenge.

With webhooks on (VERIFY_WEBHOOK_URL set, and a webhook with that URL on the Verify Service
for the events challenge.approved and challenge.denied), Verify POSTs the answer here the
moment the user taps Approve or Deny. The waiting page then learns it from the database, and
asks Verify only once, to confirm an approval. A webhook is signed with the auth token; this
module checks the signature with the twilio library's own RequestValidator, refuses a
webhook seen before, and only then notes the answer on the matching login. It never signs
anyone in: that stays the waiting page's job, in the browser that logged in.
"""

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import current_app
from flask import request
from twilio.request_validator import RequestValidator

from app import csrf
from app import db
from app.events import event
from app.models import CallbackNonce
from app.models import PendingLogin
from app.models import User
from app.models import utcnow

bp = Blueprint("webhooks", __name__)

# What a webhook can say about a challenge; an expiry is never sent.
ANSWERS = {"challenge.approved": "approved", "challenge.denied": "denied"}
# A webhook's form is about a kB: anything much larger is not one, and is refused unread.
MAX_BODY = 16 * 1024
# How long a webhook's uuid is remembered, against a replay. A webhook has no time of its
# own in its signature: a replay later than this finds its login long ended.
REPLAY_SECONDS = 3600


def refuse(status, reason):
    event("webhook_refused", reason=reason)
    return {"error": reason}, status


@bp.route("/verify/webhook", methods=["POST"])
@csrf.exempt  # Twilio cannot send a CSRF token; the signature proves who sent it instead
def webhook():
    config = current_app.config
    if not config["VERIFY_WEBHOOK_URL"]:
        abort(404)  # webhooks are off
    # Anyone can send a body: one that says it is larger than a webhook is refused unread.
    if (request.content_length or 0) > MAX_BODY:
        return refuse(413, "a body too large")
    request.max_content_length = MAX_BODY + 1  # a body in chunks: read one byte past, no more
    if len(request.get_data()) > MAX_BODY:
        return refuse(413, "a body too large")
    signed = request.headers.get("X-Twilio-Signature", "")
    if not signed:
        return refuse(401, "no signature")
    params = request.form.to_dict(flat=True)
    # The URL as set on the Verify Service: behind a proxy, request.url may differ from it.
    validator = RequestValidator(config["TWILIO_AUTH_TOKEN"])
    if not validator.validate(config["VERIFY_WEBHOOK_URL"], params, signed):
        return refuse(401, "a wrong signature")
    if params.get("service_sid") != config["TWILIO_VERIFY_SERVICE_SID"]:
        return refuse(401, "another Verify Service")
    uuid = params.get("uuid", "")
    if not uuid or not remember_uuid(uuid, signed):
        return refuse(401, "a webhook already received")
    note_answer(params)
    return {}, 200


def remember_uuid(uuid, signed):
    """Note a webhook as received; False if it was received before (a replay)."""
    oldest = utcnow() - timedelta(seconds=REPLAY_SECONDS)
    db.session.execute(sa.delete(CallbackNonce).where(CallbackNonce.received_at < oldest))
    db.session.add(CallbackNonce(nonce=uuid[:64], signature=signed[:128]))
    try:
        db.session.commit()  # the unique constraint decides, even between worker processes
    except sa.exc.IntegrityError:
        db.session.rollback()
        return False
    return True


def note_answer(params):
    """Note the phone's answer on the open login that sent this challenge, if there is one."""
    answer = ANSWERS.get(params.get("type"))
    sid, factor_sid = params.get("challenge_sid"), params.get("factor_sid")
    if answer is None or not sid or not factor_sid:
        event("webhook_ignored", type=params.get("type", "")[:40])
        return
    # One UPDATE: only an open login, only for that challenge, only of the user with that
    # factor, and only the first answer counts.
    noted = db.session.execute(
        sa.update(PendingLogin)
        .where(
            PendingLogin.challenge_sid == sid,
            PendingLogin.consumed_at.is_(None),
            PendingLogin.answer.is_(None),
            PendingLogin.user_id.in_(sa.select(User.id).where(User.factor_sid == factor_sid)),
        )
        .values(answer=answer)
    )
    db.session.commit()
    event("webhook_received", answer=answer, matched=noted.rowcount == 1)
