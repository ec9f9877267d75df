"""The simulated phone: the Authy app a person (or a test) uses next to the tutorial's app.

A person opens GET /phone; tests use the JSON routes. Scanning verifies the registration
token exactly as Authy does before it adds the account. The same phone is a Twilio Verify
Push device too (phone_verify.py): it scans verifypush://enrol links, and lists and answers
the challenges of its factors beside the Authy requests, in the same shape.

What the page shows comes from what the apps send, nothing else: Authy's registration token
names no user, so an account is named after the Username of its newest login request (the
details an app sends with the push), or the local part of its email when an app created it
with one.
"""

import io
import json
import re
import time
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import jwt
from flask import Blueprint
from flask import render_template
from flask import request

from . import callbacks
from . import phone_verify
from . import qrsvg
from . import totp
from .api import iso
from .params import BadParams
from .params import id_text
from .params import json_object
from .state import fake

bp = Blueprint("phone", __name__, url_prefix="/phone")

STATUSES = ("pending", "approved", "denied", "expired")
# A photo of a QR code can be bigger than any API body; decoding a huge one is slow.
MAX_PICTURE_BYTES = 10 * 1024 * 1024
MAX_PICTURE_PIXELS = 40_000_000
POLL_MILLISECONDS = 1000
# The details the phone shows in their own place: the name the request is for ("Log in as
# alice?"), and the code a login's waiting page shows too (final sends one).
USERNAME_DETAILS = ("username", "user name")
CODE_DETAILS = ("code",)
# Details that name the browser: a raw User-Agent header there is shown as "Chrome on Linux".
BROWSER_DETAILS = ("browser", "user agent", "user-agent", "user_agent", "useragent")
# A raw User-Agent starts with a product and its version ("Mozilla/5.0 (X11; ..."); a name
# such as "Chrome on Linux" does not.
RAW_USER_AGENT = re.compile(r"[A-Za-z][\w.+-]*/\S")
# The first of these that the User-Agent contains names the browser, and the system (so Edge
# before Chrome, Chrome before Safari, Android before Linux, iPhone before Mac OS X).
BROWSERS = (
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
    ("python-requests/", "Python requests"),
)
SYSTEMS = (
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("CrOS", "ChromeOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)


class ScanError(ValueError):
    """What was wrong with a scanned link or picture, in words for the person scanning."""


@bp.errorhandler(BadParams)
@bp.errorhandler(ScanError)
def bad_input(error):
    return {"error": str(error)}, 400


@bp.get("")
def screen():
    # ?poll_ms=200 makes the page quicker to notice new requests (tests use it).
    poll_ms = min(max(request.args.get("poll_ms", POLL_MILLISECONDS, type=int), 100), 10_000)
    page = render_template("phone.html", app_name=fake().settings.app_name, poll_ms=poll_ms)
    # The page's script is a static file, so the strictest policy fits.
    return page, {"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'"}


@bp.get("/accounts")
def accounts():
    """The accounts, each with the code the Authy app shows now (none without the app), then
    the Verify Push factors (app name, friendly name, factor sid)."""
    app_name = fake().settings.app_name
    now = fake().now()
    usernames = {}
    for found in reversed(fake().store.approval_requests()):  # oldest first: the newest wins
        usernames[found["authy_id"]] = detail(found["details"], USERNAME_DETAILS) or usernames.get(found["authy_id"])
    return [
        {
            "kind": "authy",
            "authy_id": user["authy_id"],
            "app_name": app_name,
            "username": usernames.get(user["authy_id"]) or (user["email"] or "").partition("@")[0] or None,
            "custom_user_id": user["custom_user_id"],
            "email": user["email"],
            "phone_number": user["cellphone"] and f"+{user['country_code']} {user['cellphone']}",
            "registered": user["registered"],
            "code": totp.totp(bytes.fromhex(user["totp_secret"]), now) if user["registered"] else None,
            "seconds_left": totp.seconds_left(now) if user["registered"] else None,
            "period": totp.PERIOD,
        }
        for user in fake().store.users()
    ] + phone_verify.accounts()


@bp.get("/messages")
def messages():
    """The text messages (SMS) the phone received, newest first."""
    return [
        {
            "id": message["id"],
            "authy_id": message["authy_id"],
            "to": message["phone_number"],
            "text": message["text"],
            "code": message["code"],
            "sent_at": iso(message["sent_at"]),
        }
        for message in fake().store.messages()
    ]


@bp.get("/requests")
def list_requests():
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        raise BadParams(f"status must be one of {', '.join(STATUSES)}")
    found = [(found["created_at"], request_json(found)) for found in fake().store.approval_requests(status)]
    found += phone_verify.challenges(status, verify_request_json)
    # Newest first, Authy's and Verify's together.
    return [shown for _, shown in sorted(found, key=lambda pair: pair[0], reverse=True)]


@bp.post("/requests/<uuid>/<any(approve, deny):action>")
def answer(uuid, action):
    factor = phone_verify.owner(uuid)
    if factor is not None:
        return answer_challenge(factor, uuid, "approved" if action == "approve" else "denied")
    found, changed = fake().store.answer(uuid, "approved" if action == "approve" else "denied")
    if found is None:
        return {"error": f"No approval request {uuid}"}, 404
    if not changed:
        return {"error": f"The request is already {found['status']}", "request": request_json(found)}, 409
    if fake().callback_url:
        # Before answering the click, so that when a test's approve() returns, the app has
        # been told (or the attempt has been logged).
        callbacks.send(fake().callback_url, fake().settings, found)
    return request_json(found)


def answer_challenge(factor, sid, status):
    """Approve or deny a Verify challenge: the phone signs the answer with the factor's key."""
    try:
        challenge, changed = phone_verify.answer(factor, sid, status)
    except phone_verify.VerifyRefused as refused:
        return {"error": str(refused)}, refused.status
    if not changed:
        return {"error": f"The request is already {challenge['status']}"}, 409
    return verify_request_json(challenge, factor)


def verify_request_json(challenge, factor):
    """A Verify challenge in the shape of request_json: the message, its fields as details."""
    details = {field["label"]: field["value"] for field in challenge["details"].get("fields") or []}
    message = challenge["details"]["message"]
    username = detail(details, USERNAME_DETAILS)
    return {
        "kind": "verify",
        "uuid": challenge["sid"],
        "authy_id": None,
        "factor_sid": challenge["factor_sid"],
        "app_name": factor["app_name"],
        "message": message,
        "details": details,
        "title": f"Log in as {username}?" if username else message,
        "username": username,
        "code": detail(details, CODE_DETAILS),
        "shown_details": shown_details(details),
        "status": challenge["status"],
        "created_at": challenge["date_created"],
        "expires_at": challenge["expiration_date"],
        "seconds_left": phone_verify.seconds_left(challenge["expiration_date"]),
        "processed_at": challenge["date_responded"],
    }


def request_json(found):
    """What the phone knows about a request: what a person needs to decide."""
    expires_at = found["expires_at"]
    username = detail(found["details"], USERNAME_DETAILS)
    return {
        "kind": "authy",
        "uuid": found["uuid"],
        "authy_id": found["authy_id"],
        "app_name": fake().settings.app_name,
        "message": found["message"],
        "details": found["details"],
        # How the page shows it: a question, the code apart, the browser by its name.
        "title": f"Log in as {username}?" if username else found["message"],
        "username": username,
        "code": detail(found["details"], CODE_DETAILS),
        "shown_details": shown_details(found["details"]),
        "status": found["status"],
        "created_at": iso(found["created_at"]),
        "expires_at": iso(expires_at),
        "seconds_left": None if expires_at is None else max(0, int(expires_at - time.time())),
        "processed_at": iso(found["processed_at"]),
    }


def detail(details, names):
    """The text of the first detail called one of `names` (in any case), or None."""
    for name, value in (details or {}).items():
        if name.strip().lower() in names and isinstance(value, (str, int, float)) and str(value).strip():
            return str(value).strip()
    return None


def shown_details(details):
    """The details as the page lists them, [{"name", "value", "full"}]: all but the code,
    with a raw User-Agent as a browser's name ("full" keeps what the app sent)."""
    shown = []
    for name, value in (details or {}).items():
        if name.strip().lower() in CODE_DETAILS:
            continue
        full = value if isinstance(value, str) else json.dumps(value)
        if name.strip().lower() in BROWSER_DETAILS and RAW_USER_AGENT.match(full):
            shown.append({"name": "Browser", "value": browser_name(full), "full": full})
        else:
            shown.append({"name": name, "value": full, "full": full})
    return shown


def browser_name(user_agent):
    """A User-Agent header as a person says it: "Chrome on Linux", "Safari on iOS",
    "Unknown browser" when no name in BROWSERS is in it."""
    browser = next((name for token, name in BROWSERS if token in user_agent), "Unknown browser")
    system = next((name for token, name in SYSTEMS if token in user_agent), None)
    return f"{browser} on {system}" if system else browser


@bp.post("/scan")
def scan():
    request.max_content_length = MAX_PICTURE_BYTES
    link = scanned_link()
    if phone_verify.is_enrolment_link(link):
        return phone_verify.enrol(link, ScanError)
    custom_user_id = registration_user_id(link)
    authy_id = fake().store.register_scan(custom_user_id)
    return {"kind": "authy", "authy_id": authy_id, "custom_user_id": custom_user_id}


def scanned_link():
    """The authy:// (or verifypush://) link: field uri (JSON or form), else the QR code in the picture `image`."""
    if request.is_json:
        link = json_object(request.get_data()).get("uri")
    else:
        link = request.form.get("uri")
        picture = request.files.get("image")
        if not link and picture:
            link = read_qr_code(picture.read())
    if not isinstance(link, str) or not link.strip():
        raise ScanError("Send the link as the field uri, or a picture of the QR code as the field image.")
    return link.strip()


def read_qr_code(data):
    """The text of the first QR code in a picture (PNG, JPEG... or an SVG of the code)."""
    # Imported here: only scanning pictures needs them, and the server starts faster.
    import zxingcpp
    from PIL import Image

    try:
        if qrsvg.looks_like_svg(data):
            picture = qrsvg.render(data)
        else:
            with Image.open(io.BytesIO(data)) as opened:
                if opened.width * opened.height > MAX_PICTURE_PIXELS:
                    raise ScanError("The picture is too large; crop it to the QR code.")
                picture = opened.convert("L")
        found = zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.QRCode)
    except qrsvg.SvgError as problem:
        raise ScanError(str(problem)) from None
    except ScanError:
        raise
    except Exception:  # any decoder failure on untrusted bytes means the same thing
        raise ScanError("The upload is not a picture that can be read (PNG, JPEG, GIF, SVG...).") from None
    if not found:
        raise ScanError("No QR code found in the picture.")
    return found[0].text


def registration_user_id(link):
    """Verify the registration token as Authy does and return its custom_user_id."""
    try:
        parts = urlsplit(link)
    except ValueError:  # e.g. an unclosed [ where a host would be
        parts = None
    token = parts and parse_qs(parts.query).get("token", [""])[0]
    if not token or parts.scheme != "authy" or parts.netloc != "account":
        raise ScanError(
            "Not an Authy link: expected authy://account?token=... (or a Verify Push link, "
            f"{phone_verify.LINK_EXAMPLE})"
        )
    settings = fake().settings
    try:
        claims = jwt.decode(
            token,
            settings.api_key,
            algorithms=["HS256"],
            issuer=settings.app_name,
            options={"require": ["exp", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise ScanError("The registration token has expired: show a new QR code.") from None
    except jwt.InvalidSignatureError:
        raise ScanError("Bad signature: the token was not signed with this application's API key.") from None
    except jwt.InvalidIssuerError:
        raise ScanError(f"Wrong application: the token's iss must be {settings.app_name!r}.") from None
    except jwt.MissingRequiredClaimError as missing:
        raise ScanError(f"The token has no {missing.claim!r} claim.") from None
    except jwt.InvalidTokenError as invalid:
        raise ScanError(f"Not a valid registration token: {invalid}") from None

    context = claims.get("context")
    if not isinstance(context, dict):
        raise ScanError("The token has no 'context' claim.")
    if str(context.get("authy_app_id")) != settings.app_id:
        raise ScanError(f"Wrong application: the token's context.authy_app_id must be {settings.app_id!r}.")
    custom_user_id = id_text(context.get("custom_user_id"))
    if custom_user_id is None:
        raise ScanError("The token has no context.custom_user_id.")
    return custom_user_id
