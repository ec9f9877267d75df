import functools
import hmac
import secrets
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from app import db
from app import login
from app import usernames


def new_session_token():
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(64), index=True, unique=True)
    # What usernames are compared by (app/usernames.py), kept with the username. Unique: the
    # database refuses a second Alice however she is written. Case-folding can make it longer.
    username_key: so.Mapped[str] = so.mapped_column(sa.String(128), index=True, unique=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(120), index=True, unique=True)
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    # The user at Verify: their entity's identity (random, no personal data) and their
    # phone's push factor, once the phone has created and verified it; None while 2FA is off.
    verify_identity: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    factor_sid: so.Mapped[str | None] = so.mapped_column(sa.String(34))
    # "verified" while the factor can approve logins; the app turns 2FA on only then.
    factor_status: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    # The enrolment under way: the random entity identity of the newest QR code (a new one
    # at each press of Enable 2FA), and when Verify was last asked whether it has a factor.
    registration_id: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    registration_checked_at: so.Mapped[datetime | None]
    # Part of every session's and remember cookie's login (get_id): a new token signs the
    # user out of every browser.
    session_token: so.Mapped[str] = so.mapped_column(sa.String(64), default=new_session_token)

    def __repr__(self):
        return f"<User {self.username}>"

    @property
    def has_2fa(self):
        """Two-factor authentication is on: the user has a verified factor at Verify."""
        return self.factor_sid is not None and self.factor_status == "verified"

    def set_factor(self, identity, factor_sid):
        """2FA on with this verified factor; None, None turns it off."""
        self.verify_identity = identity
        self.factor_sid = factor_sid
        self.factor_status = "verified" if factor_sid else None

    def get_id(self):
        """What Flask-Login keeps in the session and the remember cookie: id and token."""
        return f"{self.id}:{self.session_token}"

    def end_sessions(self):
        """Sign this user out everywhere: cookies with the old token no longer load the user."""
        self.session_token = new_session_token()

    @so.validates("username")
    def set_username_key(self, _, username):
        self.username_key = usernames.key(username)
        return username

    def set_password(self, password):
        self.password_hash = hash_password(password)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    def claim_registration_check(self, seconds):
        """The right to ask Verify about this user's enrolment now: True at most once in `seconds`.

        One UPDATE that matches only when the last check is old enough: polls that arrive
        together get one check between them, however many there are.
        """
        now = utcnow()
        claimed = db.session.execute(
            sa.update(User)
            .where(
                User.id == self.id,
                sa.or_(
                    User.registration_checked_at.is_(None),
                    User.registration_checked_at <= now - timedelta(seconds=seconds),
                ),
            )
            .values(registration_checked_at=now)
        )
        db.session.commit()
        return claimed.rowcount == 1


def hash_password(password):
    # Name the method: the hash then does not depend on Werkzeug's current default.
    return generate_password_hash(password, method="scrypt")


@functools.cache
def stand_in_hash():
    """A hash made like the stored ones, of a password nobody knows (made when first needed)."""
    return hash_password(secrets.token_hex())


def check_login(user, password):
    """True if ``user`` exists (it is None for an unknown username) and ``password`` is theirs.

    Checking a password takes a while on purpose (scrypt). For an unknown username the
    password is checked against a stand-in hash of the same cost, so that how long the
    answer takes does not tell which usernames exist.
    """
    if user is None:
        check_password_hash(stand_in_hash(), password)
        return False
    return user.check_password(password)


@login.user_loader
def load_user(user_id):
    """The user a session or remember cookie names, if its token is still the user's."""
    id, _, token = user_id.partition(":")
    if not (id.isascii() and id.isdigit() and len(id) < 19):
        return None
    user = db.session.get(User, int(id))
    # Compared in constant time, as any secret.
    if user is None or not hmac.compare_digest(user.session_token, token):
        return None
    return user


def utcnow():
    """The time now in UTC, without a time zone (SQLite stores none): every time here is UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_login_code():
    """A short random code for one login attempt: the waiting page and the push both show it."""
    return f"{secrets.randbelow(10_000):04d}"


class PendingLogin(db.Model):
    """A login whose password was right, waiting for the user's approval on their phone.

    The browser's session holds only the random `id`; everything else stays here. A record
    ends once, for good: approved (the user is signed in), denied, expired, failed or cancelled. `consumed_at`
    says when; an open record has none.
    """

    id: so.Mapped[str] = so.mapped_column(
        sa.String(64), primary_key=True, default=lambda: secrets.token_urlsafe(32)
    )
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(User.id), index=True)
    user: so.Mapped[User] = so.relationship()
    # The Verify challenge that asks the phone; "" while Send again creates a new one.
    challenge_sid: so.Mapped[str] = so.mapped_column(sa.String(64))
    # Shown on the waiting page and in the push: a push with another code is not this login.
    code: so.Mapped[str] = so.mapped_column(sa.String(8), default=new_login_code)
    remember: so.Mapped[bool]
    next_url: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[datetime]
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default="pending")
    consumed_at: so.Mapped[datetime | None]
    # When Verify was last asked about this login (claim_check); None before the first time.
    checked_at: so.Mapped[datetime | None]
    # What a signed OneTouch callback said ("approved" or "denied"); None until one arrives.
    answer: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    # How many pushes this login has sent (1, then one more for each Send again), and when
    # the newest went out.
    sends: so.Mapped[int] = so.mapped_column(default=1)
    sent_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    def __repr__(self):
        return f"<PendingLogin of user {self.user_id}: {self.status}>"

    def has_expired(self):
        return utcnow() >= self.expires_at

    def end(self, status):
        """End this login as `status`, if it is still open; True if this call ended it.

        One UPDATE that matches only an open record: when two requests try at the same
        time, the database lets exactly one of them succeed.
        """
        ended = db.session.execute(
            sa.update(PendingLogin)
            .where(PendingLogin.id == self.id, PendingLogin.consumed_at.is_(None))
            .values(status=status, consumed_at=utcnow())
        )
        db.session.commit()
        return ended.rowcount == 1

    def claim_check(self, seconds):
        """The right to ask Verify about this login now: True at most once in `seconds`.

        One UPDATE that matches only when the last check is old enough: polls that arrive
        together get one check between them, however many there are.
        """
        now = utcnow()
        claimed = db.session.execute(
            sa.update(PendingLogin)
            .where(
                PendingLogin.id == self.id,
                sa.or_(
                    PendingLogin.checked_at.is_(None),
                    PendingLogin.checked_at <= now - timedelta(seconds=seconds),
                ),
            )
            .values(checked_at=now)
        )
        db.session.commit()
        return claimed.rowcount == 1

    def claim_resend(self, cooldown, limit):
        """Take the right to send this login's push again; True if this call got it.

        Allowed `limit` times, and not sooner than `cooldown` seconds after the last push.
        One UPDATE, so that two clicks (or two workers) cannot both get it. The current
        request stops counting at once: `challenge_sid` matches no request until the new one
        is sent (set_request).
        """
        now = utcnow()
        claimed = db.session.execute(
            sa.update(PendingLogin)
            .where(
                PendingLogin.id == self.id,
                PendingLogin.consumed_at.is_(None),
                PendingLogin.sends <= limit,
                PendingLogin.sent_at <= now - timedelta(seconds=cooldown),
            )
            # A denial noted by a callback stays: the next poll ends the login as denied.
            .values(
                sends=PendingLogin.sends + 1,
                sent_at=now,
                challenge_sid="",
                answer=sa.case((PendingLogin.answer == "denied", "denied")),
            )
        )
        db.session.commit()
        return claimed.rowcount == 1

    def set_request(self, uuid, expires_at):
        """The push just sent for this login: from now on only its answer counts."""
        db.session.execute(
            sa.update(PendingLogin)
            .where(PendingLogin.id == self.id, PendingLogin.consumed_at.is_(None))
            .values(challenge_sid=uuid, expires_at=expires_at)
        )
        db.session.commit()

    @staticmethod
    def end_all(user_id, status):
        """End every open login of a user as `status` (committed with the caller's changes)."""
        db.session.execute(
            sa.update(PendingLogin)
            .where(PendingLogin.user_id == user_id, PendingLogin.consumed_at.is_(None))
            .values(status=status, consumed_at=utcnow())
        )


class CallbackNonce(db.Model):
    """A Verify webhook already received (by its uuid): the same one again is a replay."""

    __table_args__ = (sa.UniqueConstraint("nonce", "signature"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    nonce: so.Mapped[str] = so.mapped_column(sa.String(64))
    signature: so.Mapped[str] = so.mapped_column(sa.String(128))
    received_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)


class Hit(db.Model):
    """One counted event under a key, such as "push:user:7" (app/throttle.py counts them)."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    key: so.Mapped[str] = so.mapped_column(sa.String(200), index=True)
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)


class RecoveryCode(db.Model):
    """One of a user's recovery codes (app/recovery.py): only its SHA-256, never the code.

    `used_at` says when it signed the user in; an unused code has none. New codes replace
    every old one of the user, used or not.
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(User.id), index=True)
    code_hash: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    used_at: so.Mapped[datetime | None]
