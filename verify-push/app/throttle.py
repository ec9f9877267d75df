"""Limits on how often something may happen, kept in the database so that every worker
process (and every server) sees the same counts.

Each counted event is a row of `Hit` under a key, such as "push:user:7". `allow()` takes a
ticket first and then counts, so that two requests arriving together cannot both slip under
a limit: of two tickets under one key, the later one (the higher id) is committed later and
sees the earlier one. SQLite makes that so by writing one transaction at a time; PostgreSQL
hands out ids before commit, in parallel, so there each ticket is taken under a lock on its
key (take_ticket).
"""

import math
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask import g
from flask import request

from app import db
from app import devices
from app.events import event
from app.models import Hit
from app.models import PendingLogin
from app.models import utcnow

# What counts as a "no" from the phone, for the cooldown after repeated denials. A login the
# user cancelled, or that failed because Verify did, says nothing about the phone.
REFUSED = ("denied", "expired", "reported")


def allow(key, limit, seconds):
    """Count one more event under `key`; False (and not counted) when that would make more
    than `limit` in the last `seconds`."""
    since = utcnow() - timedelta(seconds=seconds)
    db.session.execute(sa.delete(Hit).where(Hit.key == key, Hit.at < since))  # forget old ones
    ticket = take_ticket(key)
    # Ours and those before it: of two requests at once, the later one sees the earlier one.
    counted = db.session.scalar(
        sa.select(sa.func.count()).where(Hit.key == key, Hit.at >= since, Hit.id <= ticket)
    )
    if counted > limit:
        give_back(key)
        return False
    return True


def take_ticket(key):
    """Add one row under `key` and commit; its id. The request remembers it (give_back)."""
    lock(key)
    added = db.session.execute(sa.insert(Hit).values(key=key, at=utcnow()))
    ticket = added.inserted_primary_key[0]
    db.session.commit()
    g.setdefault("tickets", {})[key] = ticket
    return ticket


def lock(key):
    """On PostgreSQL, wait until no other transaction holds `key`, and hold it until this one
    ends: a transaction-level advisory lock, a lock on a number of our choosing (the key's
    hash) rather than on a row. Without it, two requests could take ids 7 and 8, the second
    commit first, count before ticket 7 is visible, and both pass a limit with one place
    left. SQLite needs none: there a write waits for the other's commit."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(key, 0))))


def give_back(key):
    """Uncount the event this request counted under `key` (it did not happen after all).

    Only this request's own row, by its id: another request's row is not ours to delete,
    and a row another request already deleted is simply gone (no error).
    """
    ticket = g.get("tickets", {}).pop(key, None)
    if ticket is not None:
        db.session.execute(sa.delete(Hit).where(Hit.id == ticket))
        db.session.commit()


def forget(key):
    """Uncount every event under `key` up to this request's own (those of requests still
    under way are theirs to keep or give back)."""
    ticket = g.get("tickets", {}).pop(key, None)
    newest = Hit.id <= ticket if ticket is not None else sa.true()
    db.session.execute(sa.delete(Hit).where(Hit.key == key, newest))
    db.session.commit()


def minutes(seconds):
    count = math.ceil(seconds / 60)
    return f"{count} minute{'' if count == 1 else 's'}"


def lookup_refused(kind):
    """True when this client address has had its limit of answers of this `kind` in the last
    LOOKUP_WINDOW seconds; otherwise this one is counted, and False. A failed registration
    ("register") and another user's profile ("profile") each tell whether a name is taken."""
    config = current_app.config
    limit = config["REGISTRATION_LIMIT" if kind == "register" else "PROFILE_LIMIT"]
    if allow(lookup_key(kind), limit, config["LOOKUP_WINDOW"]):
        return False
    event("lookup_throttled", kind=kind)
    return True


def lookup_ok(kind):
    """The registration succeeded: it told nothing, and is not counted."""
    give_back(lookup_key(kind))


def lookup_key(kind):
    return f"{kind}:address:{request.remote_addr}"


def push_refusal(user):
    """Why no push may be sent to this user's phone now, or None (and the push is counted):
    the defence against push bombing. After several refused requests in a row, a cooldown;
    and a cap per hour."""
    config = current_app.config
    waiting = denial_cooldown(user.id, config["DENIAL_LIMIT"], config["DENIAL_COOLDOWN"])
    if waiting:
        event("push_refused", user, reason="cooldown", seconds=round(waiting))
        return (
            "Your last login requests were denied or not answered. For your safety, logging"
            f" in with your phone is paused for {minutes(waiting)}."
        )
    if not allow(push_key(user), config["PUSH_CAP"], config["PUSH_CAP_WINDOW"]):
        event("push_refused", user, reason="cap")
        return "Too many login requests for this account. Please try again later."
    return None


def push_not_sent(user):
    """Verify failed to send the push that push_refusal() allowed: it does not count."""
    give_back(push_key(user))


def push_key(user):
    return f"push:user:{user.id}"


def enable_refusal(user):
    """Why this press of Enable 2FA may not make a new QR code now, or None (and it is
    counted). Each press is an invitation to add the account to a phone: a few an hour."""
    config = current_app.config
    limit, window = config["ENABLE_LIMIT"], config["ENABLE_WINDOW"]
    if allow(f"enable:user:{user.id}", limit, window):
        return None
    event("enable_refused", user)
    return (
        f"You asked for {limit} new QR codes in {minutes(window)}, the most we make."
        " Please scan the last one, or try again later."
    )


def denial_cooldown(user_id, limit, seconds):
    """Seconds left before this user's phone may be asked again, after `limit` logins in a row
    were denied, expired or reported (0: it may be asked now)."""
    since = utcnow() - timedelta(days=1)
    logins = db.session.scalars(
        sa.select(PendingLogin)
        .where(PendingLogin.user_id == user_id, PendingLogin.created_at >= since)
        .order_by(PendingLogin.created_at)
    ).all()
    now = utcnow()
    refused = []  # when each "no" since the user last signed in happened
    for login in logins:
        if login.status in ("approved", "code"):  # the user signed in
            refused = []
        elif login.status in REFUSED:
            refused.append(login.consumed_at)
        elif login.consumed_at is None and login.expires_at <= now:
            refused.append(login.expires_at)  # expired, even if no page asked since
    if len(refused) < limit:
        return 0
    return max((max(refused) + timedelta(seconds=seconds) - now).total_seconds(), 0)


def password_keys(username, address, user):
    """The counts a password attempt is held to. A known device of the account has a count
    of its own, and nothing else; any other browser, the account's and its address's."""
    device = devices.device_id(user)
    if device is not None:
        return (f"password:device:{device}", None)
    return (f"password:user:{username[:100]}", f"password:address:{address}")


def password_refusal(username, address, user):
    """Why this password attempt may not even be checked, or None (and it is counted).

    Every attempt takes a ticket before the password is checked; a right password gives it
    back (password_ok), so what stays counted is the failures. Unknown usernames are counted
    like known ones: the answer must not tell which accounts exist.
    """
    config = current_app.config
    account, from_address = password_keys(username, address, user)
    wait = backoff(account)
    if wait:
        return f"Too many failed logins for this account. Please try again in {duration(wait)}."
    window = config["PASSWORD_WINDOW"]
    if from_address and not allow(from_address, config["PASSWORD_ADDRESS_LIMIT"], window):
        give_back(account)
        return f"Too many failed logins from your network. Please try again in {minutes(window)}."
    return None


def backoff(key):
    """Seconds to wait before the next password under `key`; 0 when it may be tried now (it
    is then counted). PASSWORD_FREE_FAILURES failures in a row cost no wait; after each
    further one, PASSWORD_BACKOFF seconds, doubled each time up to PASSWORD_MAX_BACKOFF.
    The account is never locked: only slowed down (NIST SP 800-63B 5.2.2)."""
    config = current_app.config
    since = utcnow() - timedelta(seconds=config["PASSWORD_FAILURE_MEMORY"])
    db.session.execute(sa.delete(Hit).where(Hit.key == key, Hit.at < since))  # forget old ones
    ticket = take_ticket(key)
    # When the failures before ours happened (and attempts still under way began).
    before = db.session.scalars(sa.select(Hit.at).where(Hit.key == key, Hit.id < ticket)).all()
    extra = len(before) - config["PASSWORD_FREE_FAILURES"]
    if extra < 0 or not before:  # (none before: nothing to wait after, even with none free)
        return 0
    wait = min(config["PASSWORD_BACKOFF"] * 2 ** min(extra, 30), config["PASSWORD_MAX_BACKOFF"])
    left = (max(before) + timedelta(seconds=wait) - utcnow()).total_seconds()
    if left <= 0:
        return 0
    give_back(key)  # a refused attempt is no failure: hammering does not make the wait longer
    return left


def duration(seconds):
    seconds = math.ceil(seconds)
    return f"{seconds} seconds" if seconds < 60 else minutes(seconds)


def password_ok(username, address, user):
    """The password was right: this attempt was no failure, and its count of failures in a
    row starts again (the address's does not: it may be guessing others)."""
    account, from_address = password_keys(username, address, user)
    forget(account)
    if from_address:
        give_back(from_address)


def recovery_keys(user):
    return (f"recovery:user:{user.id}", f"recovery:address:{request.remote_addr}")


def recovery_refusal(user):
    """Why this recovery code may not even be checked, or None (and it is counted): held to
    the password settings, with counts of its own. Failures for the account make the growing
    wait (backoff); failures from the address, a limit per PASSWORD_WINDOW."""
    config = current_app.config
    account, from_address = recovery_keys(user)
    wait = backoff(account)
    if wait:
        return f"Too many wrong recovery codes. Please try again in {duration(wait)}."
    window = config["PASSWORD_WINDOW"]
    if not allow(from_address, config["PASSWORD_ADDRESS_LIMIT"], window):
        give_back(account)
        return f"Too many wrong codes from your network. Please try again in {minutes(window)}."
    return None


def recovery_ok(user):
    """The code was right: like a right password, it was no failure."""
    account, from_address = recovery_keys(user)
    forget(account)
    give_back(from_address)
