"""Recovery codes: ten one-time codes for the day the phone is lost.

Each code is 24 random characters (120 bits) from an alphabet without look-alikes, shown
in groups of four. The database keeps only each code's SHA-256: a fast hash is enough for
a random secret of 112 bits or more (NIST SP 800-63B, 5.1.2.2), because nobody can try
2^120 guesses against a stolen table, fast hash or not. A slow, salted hash (as for
passwords) would cost ten slow hashes at every attempt, one per stored code, for nothing.
"""

import hashlib
import secrets

import sqlalchemy as sa

from app import db
from app.models import PendingLogin
from app.models import RecoveryCode
from app.models import utcnow

COUNT = 10
LENGTH = 24
GROUP = 4
# Digits and lowercase letters without i, l, o and u: 32 characters, 5 bits each.
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
# What a person may type instead: capitals, spaces, dashes, and the look-alikes.
LOOK_ALIKES = str.maketrans({"i": "1", "l": "1", "o": "0"})


def new_code():
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(code[start : start + GROUP] for start in range(0, LENGTH, GROUP))


def normalize(typed):
    """The code as stored, from what a person typed; None if it cannot be a recovery code."""
    code = "".join(typed.split()).replace("-", "").lower().translate(LOOK_ALIKES)
    if len(code) != LENGTH or not all(char in ALPHABET for char in code):
        return None
    return code


def digest(code):
    """The SHA-256 of a normalized code: what the database keeps."""
    return hashlib.sha256(code.encode()).hexdigest()


def replace_codes(user):
    """Make COUNT new codes for `user`, ending every old one; the codes, to show once."""
    codes = [new_code() for _ in range(COUNT)]
    end_codes(user.id)
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=digest(normalize(code))) for code in codes
    )
    db.session.commit()
    return codes


def end_codes(user_id):
    """Delete every code of a user (committed with the caller's changes)."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user_id))


def codes_left(user_id):
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    )


def use_code(pending, code):
    """Use up `code` (normalized) to end the waiting login `pending`; True if it did both.

    One transaction with two UPDATEs, each matching only what is still open: the code if it
    is this user's and unused, the login if nothing has ended it. Both or neither: of two
    requests at once (the same code twice, two codes, a code and the phone's Approve),
    exactly one signs in, and a code is never used up without signing in.
    """
    now = utcnow()
    used = db.session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == pending.user_id,
            RecoveryCode.code_hash == digest(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
    )
    ended = db.session.execute(
        sa.update(PendingLogin)
        .where(PendingLogin.id == pending.id, PendingLogin.consumed_at.is_(None))
        .values(status="recovered", consumed_at=now)
    )
    if used.rowcount == 1 and ended.rowcount == 1:
        db.session.commit()
        return True
    db.session.rollback()
    return False
