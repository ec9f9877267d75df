import functools
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


class User(UserMixin, db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(64), index=True, unique=True)
    # What usernames are compared by (app/usernames.py), kept with the username. Unique: the
    # database refuses a second Alice however she is written. Case-folding can make it longer.
    username_key: so.Mapped[str] = so.mapped_column(sa.String(128), index=True, unique=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(120), index=True, unique=True)
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    # The user's id at Authy once their phone has scanned the QR code; None while 2FA is off.
    authy_id: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    # The enrolment under way: the random custom_user_id of the newest QR code (a new one at
    # each press of Enable 2FA), and when Authy was last asked whether it has been scanned.
    registration_id: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    registration_checked_at: so.Mapped[datetime | None]

    def __repr__(self):
        return f"<User {self.username}>"

    @so.validates("username")
    def set_username_key(self, _, username):
        self.username_key = usernames.key(username)
        return username

    def set_password(self, password):
        self.password_hash = hash_password(password)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    def claim_registration_check(self, seconds):
        """The right to ask Authy about this user's enrolment now: True at most once in `seconds`.

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
def load_user(id):
    return db.session.get(User, int(id))


def utcnow():
    """The time now in UTC, without a time zone (SQLite stores none): every time here is UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


class PendingLogin(db.Model):
    """A login whose password was right, waiting for the user's approval on their phone.

    The browser's session holds only the random `id`; everything else stays here. A record
    ends once, for good: approved (the user is signed in), denied, expired, failed or
    cancelled. `consumed_at` says when; an open record has none.
    """

    id: so.Mapped[str] = so.mapped_column(
        sa.String(64), primary_key=True, default=lambda: secrets.token_urlsafe(32)
    )
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(User.id), index=True)
    authy_uuid: so.Mapped[str] = so.mapped_column(sa.String(64))
    remember: so.Mapped[bool]
    next_url: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[datetime]
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default="pending")
    consumed_at: so.Mapped[datetime | None]
    # When Authy was last asked about this login (claim_check); None before the first time.
    checked_at: so.Mapped[datetime | None]

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
        """The right to ask Authy about this login now: True at most once in `seconds`.

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

    @staticmethod
    def end_all(user_id, status):
        """End every open login of a user as `status` (committed with the caller's changes)."""
        db.session.execute(
            sa.update(PendingLogin)
            .where(PendingLogin.user_id == user_id, PendingLogin.consumed_at.is_(None))
            .values(status=status, consumed_at=utcnow())
        )
