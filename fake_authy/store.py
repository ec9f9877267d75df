"""The fake's state (users and their codes, registrations, approval requests, the phone's
text messages, the call log) in SQLite.

This is the "models" part of the fake: it knows nothing about HTTP. Every operation opens
its own connection and runs in one `BEGIN IMMEDIATE` transaction, so two threads (the app
polling while someone clicks Approve on the phone) can never both see a request as pending
and both answer it: the second waits for the first to commit, then sees the new status.
"""

import hmac
import json
import secrets
import sqlite3
import time
import uuid as uuidlib
from contextlib import contextmanager

from . import totp
from .verify.tables import VERIFY_SCHEMA
from .verify.tables import VERIFY_TABLES

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    authy_id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,          -- Authy's internal 24-hex id, shown in approval requests
    email TEXT,
    cellphone TEXT,                 -- digits only; NULL for accounts added by QR code
    country_code INTEGER,
    custom_user_id TEXT UNIQUE,     -- the app's own user id, for accounts added by QR code
    created_at REAL NOT NULL,
    totp_secret TEXT,               -- hex, the key of the codes the phone shows (totp.py)
    registered INTEGER NOT NULL DEFAULT 1,      -- has the Authy app (the simulated phone)
    devices TEXT NOT NULL DEFAULT '["authy"]',  -- JSON list, as users/{id}/status shows it
    confirmed INTEGER NOT NULL DEFAULT 0,       -- has used a valid code once
    last_step INTEGER,              -- the newest TOTP time step accepted: never accepted twice
    UNIQUE (country_code, cellphone)
);
CREATE TABLE IF NOT EXISTS registrations (
    custom_user_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,           -- pending, completed, denied or expired
    authy_id INTEGER,               -- set only when completed
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS approval_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,   -- creation order: "the newest request"
    uuid TEXT NOT NULL UNIQUE,
    object_id TEXT NOT NULL,                -- the 24-hex "_id"
    authy_id INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    user_email TEXT,
    message TEXT NOT NULL,
    details TEXT NOT NULL,                  -- JSON
    hidden_details TEXT NOT NULL,           -- JSON
    logos TEXT NOT NULL,                    -- JSON
    seconds_to_expire INTEGER NOT NULL,     -- 0: never expires
    expires_at REAL,                        -- NULL: never expires
    status TEXT NOT NULL,                   -- pending, approved, denied or expired
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    processed_at REAL
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,   -- the phone's text messages (SMS), in order
    authy_id INTEGER NOT NULL,
    phone_number TEXT NOT NULL,             -- as the phone shows the sender's target
    text TEXT NOT NULL,
    code TEXT NOT NULL,
    sent_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    time REAL NOT NULL
);
""" + VERIFY_SCHEMA

# Real authy_ids are large numbers. Starting far from 1 means an app that mixes up its own
# user id with the authy_id fails in tests instead of working by coincidence.
FIRST_AUTHY_ID = 1_000_001
SEED = f"""
INSERT INTO sqlite_sequence (name, seq) SELECT 'users', {FIRST_AUTHY_ID - 1}
WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'users')
"""

# The layout's version, kept in SQLite's user_version. A database written by an older fake is
# brought up to date when the fake opens it: MIGRATIONS[n] takes version n - 1 to n.
SCHEMA_VERSION = 3
MIGRATIONS = {
    1: (  # per-account codes, registration state and the phone's text messages
        "ALTER TABLE users ADD COLUMN totp_secret TEXT",
        "UPDATE users SET totp_secret = lower(hex(randomblob(20)))",
        "ALTER TABLE users ADD COLUMN registered INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE users ADD COLUMN devices TEXT NOT NULL DEFAULT '[\"authy\"]'",
        "ALTER TABLE users ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE users ADD COLUMN last_step INTEGER",
    ),
    # Twilio Verify Push (fake_authy/verify/): new tables only, which SCHEMA creates.
    2: (),
    # The simulated phone as a Verify Push device keeps its factors' keys: a new table too.
    3: (),
}

JSON_COLUMNS = ("details", "hidden_details", "logos")


def new_uuid():
    """A time-based id shaped like Authy's real ones: xxxxxxxx-xxxx-013x-xxxx-xxxxxxxxxxxx."""
    time_based = uuidlib.uuid1(node=secrets.randbits(48))  # not the machine's MAC address
    return (
        f"{time_based.time_low:08x}-{time_based.time_mid:04x}-"
        f"013{time_based.time_hi_version & 0xF:x}-{time_based.clock_seq:04x}-{time_based.node:012x}"
    )


def new_object_id():
    """A 24-hex id like the MongoDB ObjectIds Authy shows: 4 bytes of time, 8 random."""
    return f"{int(time.time()):08x}{secrets.token_hex(8)}"


class Store:
    """All state of the fake, in one SQLite file."""

    def __init__(self, path):
        self.path = path
        db = sqlite3.connect(path)
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            existing = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'users'").fetchone()
            # A database from an older fake is migrated; a new one is created up to date.
            steps = [statement for target in range(version + 1, SCHEMA_VERSION + 1) for statement in MIGRATIONS[target]]
            migrate = "; ".join(steps) if existing and steps else "SELECT 1"
            db.executescript(
                f"BEGIN IMMEDIATE; {migrate}; {SCHEMA}; {SEED}; PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            )
        finally:
            db.close()

    @contextmanager
    def transaction(self):
        """One BEGIN IMMEDIATE transaction, for the Verify tables' own store (verify/store.py)."""
        with self._transaction() as db:
            yield db

    @contextmanager
    def _transaction(self):
        # isolation_level=None: we say BEGIN and COMMIT ourselves. IMMEDIATE takes the write
        # lock at the start, so a read-then-write can never be overtaken by another writer;
        # `timeout` makes other threads wait for it instead of failing with "locked".
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        db.row_factory = sqlite3.Row
        # No fsync per commit: a crash of the fake still loses nothing (the data is with the
        # operating system); only a power cut could, which does not matter for a fake. It
        # makes each write about ten times faster, which a test suite feels.
        db.execute("PRAGMA synchronous = OFF")
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    def reset(self):
        """Forget everything (ids keep counting up, so an old id never finds a new user)."""
        with self._transaction() as db:
            for table in ("users", "registrations", "approval_requests", "messages", "calls", *VERIFY_TABLES):
                db.execute(f"DELETE FROM {table}")

    # Users

    def create_user(self, email, cellphone, country_code):
        """Add a user by phone number; the same number and country give the same authy_id."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT authy_id FROM users WHERE country_code = ? AND cellphone = ?",
                (country_code, cellphone),
            ).fetchone()
            if row:
                return row["authy_id"]
            return self._insert_user(db, email=email, cellphone=cellphone, country_code=country_code)

    def user(self, authy_id):
        with self._transaction() as db:
            return self._user(db, authy_id)

    def users(self):
        with self._transaction() as db:
            return [_user(row) for row in db.execute("SELECT * FROM users ORDER BY authy_id")]

    def set_user_state(self, authy_id, registered, devices):
        """Whether the user has the Authy app, and on which devices (a test control)."""
        with self._transaction() as db:
            db.execute(
                "UPDATE users SET registered = ?, devices = ? WHERE authy_id = ?",
                (int(registered), json.dumps(devices), authy_id),
            )
            return self._user(db, authy_id)

    def _user(self, db, authy_id):
        row = db.execute("SELECT * FROM users WHERE authy_id = ?", (authy_id,)).fetchone()
        return _user(row) if row else None

    # Codes: the phone's (TOTP) and those sent by SMS

    def check_code(self, authy_id, token, now):
        """Check a code a user typed: "valid", "invalid", "used" (again), or None (no user).

        A phone's code is accepted for its own time step and the steps just before and after
        it; a code sent by SMS until it expires. Either is accepted once only.
        """
        with self._transaction() as db:
            user = self._user(db, authy_id)
            if user is None:
                return None
            key = bytes.fromhex(user["totp_secret"])
            current = totp.time_step(now)
            # The step before: a code read just before it changed, delayed by the network
            # and by typing (RFC 6238, section 5.2, allows that one step). The step after: a
            # phone whose clock runs a little ahead.
            steps = [
                step
                for step in (current - 1, current, current + 1)
                if step >= 0 and hmac.compare_digest(totp.hotp(key, step), token)  # none before 1970
            ]
            texted = db.execute(
                "SELECT id FROM messages WHERE authy_id = ? AND code = ? AND expires_at > ?", (authy_id, token, now)
            ).fetchall()
            if not steps and not texted:
                return "invalid"
            fresh_step = steps and (user["last_step"] is None or steps[-1] > user["last_step"])
            fresh_text = db.execute(
                "SELECT 1 FROM messages WHERE authy_id = ? AND code = ? AND expires_at > ? AND NOT used",
                (authy_id, token, now),
            ).fetchone()
            if not fresh_step and not fresh_text:
                return "used"
            # A code sent by SMS is the phone's code of that moment: using it once, either
            # way, uses up both.
            if fresh_step:
                db.execute("UPDATE users SET last_step = ? WHERE authy_id = ?", (steps[-1], authy_id))
            db.execute("UPDATE messages SET used = 1 WHERE authy_id = ? AND code = ?", (authy_id, token))
            db.execute("UPDATE users SET confirmed = 1 WHERE authy_id = ?", (authy_id,))
            return "valid"

    def send_code(self, authy_id, phone_number, text, now, lifetime):
        """Text the user's current code to the phone; `text` has a {code} to fill in."""
        with self._transaction() as db:
            user = self._user(db, authy_id)
            if user is None:
                return None
            code = totp.totp(bytes.fromhex(user["totp_secret"]), now)
            db.execute(
                "INSERT INTO messages (authy_id, phone_number, text, code, sent_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (authy_id, phone_number, text.format(code=code), code, now, now + lifetime),
            )
            return code

    def messages(self):
        """The phone's text messages, newest first."""
        with self._transaction() as db:
            return [dict(row) for row in db.execute("SELECT * FROM messages ORDER BY id DESC")]

    def delete_user(self, authy_id):
        """Remove a user at once (the real service did it a little later); False if unknown."""
        with self._transaction() as db:
            deleted = db.execute("DELETE FROM users WHERE authy_id = ?", (authy_id,)).rowcount
            # Its registration goes too: scanning again must make a new account, and a
            # registration poll must not hand out the deleted authy_id meanwhile.
            db.execute("DELETE FROM registrations WHERE authy_id = ?", (authy_id,))
            return deleted > 0

    def _insert_user(self, db, **columns):
        columns.update(user_id=new_object_id(), created_at=time.time(), totp_secret=totp.new_secret())
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        cursor = db.execute(f"INSERT INTO users ({names}) VALUES ({marks})", tuple(columns.values()))
        return cursor.lastrowid

    # Registrations (adding an account to the phone by QR code)

    def register_scan(self, custom_user_id):
        """Mark the registration completed; the same custom_user_id keeps its authy_id."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT authy_id FROM users WHERE custom_user_id = ?", (custom_user_id,)
            ).fetchone()
            authy_id = row["authy_id"] if row else self._insert_user(db, custom_user_id=custom_user_id)
            self._set_registration(db, custom_user_id, "completed", authy_id)
            return authy_id

    def set_registration_status(self, custom_user_id, status):
        """Steer a registration into a non-completed status (a test control)."""
        with self._transaction() as db:
            self._set_registration(db, custom_user_id, status, None)

    def registration(self, custom_user_id):
        with self._transaction() as db:
            row = db.execute(
                "SELECT * FROM registrations WHERE custom_user_id = ?", (custom_user_id,)
            ).fetchone()
            return dict(row) if row else None

    def _set_registration(self, db, custom_user_id, status, authy_id):
        db.execute(
            "INSERT INTO registrations (custom_user_id, status, authy_id, updated_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (custom_user_id) DO UPDATE SET "
            "status = excluded.status, authy_id = excluded.authy_id, updated_at = excluded.updated_at",
            (custom_user_id, status, authy_id, time.time()),
        )

    # Approval requests

    def create_approval_request(self, authy_id, message, details, hidden_details, logos, seconds_to_expire):
        """Store a new pending request; None if the user does not exist."""
        with self._transaction() as db:
            user = db.execute("SELECT * FROM users WHERE authy_id = ?", (authy_id,)).fetchone()
            if user is None:
                return None
            now = time.time()
            new = {
                "uuid": new_uuid(),
                "object_id": new_object_id(),
                "authy_id": authy_id,
                "user_id": user["user_id"],
                "user_email": user["email"],
                "message": message,
                "details": json.dumps(details),
                "hidden_details": json.dumps(hidden_details),
                "logos": json.dumps(logos),
                "seconds_to_expire": seconds_to_expire,
                "expires_at": now + seconds_to_expire if seconds_to_expire else None,
                "status": "pending",
                "created_at": now,
                "updated_at": now,
            }
            names = ", ".join(new)
            marks = ", ".join("?" for _ in new)
            db.execute(f"INSERT INTO approval_requests ({names}) VALUES ({marks})", tuple(new.values()))
            return self._approval_request(db, new["uuid"])

    def approval_request(self, uuid):
        """One request by uuid, None if unknown; overdue requests read as expired."""
        with self._transaction() as db:
            self._expire_overdue(db)
            return self._approval_request(db, uuid)

    def approval_requests(self, status=None):
        """All requests, newest first, optionally only those with one status."""
        with self._transaction() as db:
            self._expire_overdue(db)
            sql = "SELECT * FROM approval_requests"
            params = ()
            if status is not None:
                sql += " WHERE status = ?"
                params = (status,)
            rows = db.execute(sql + " ORDER BY id DESC", params)
            return [_decode(row) for row in rows]

    def answer(self, uuid, status):
        """Approve or deny a pending request.

        Returns (request, changed): request is None if unknown; changed is False when it had
        already left pending (answered or expired), so each request is answered only once.
        """
        with self._transaction() as db:
            self._expire_overdue(db)
            request = self._approval_request(db, uuid)
            if request is None or request["status"] != "pending":
                return request, False
            now = time.time()
            db.execute(
                "UPDATE approval_requests SET status = ?, updated_at = ?, processed_at = ? WHERE uuid = ?",
                (status, now, now, uuid),
            )
            return self._approval_request(db, uuid), True

    def _approval_request(self, db, uuid):
        row = db.execute("SELECT * FROM approval_requests WHERE uuid = ?", (uuid,)).fetchone()
        return _decode(row) if row else None

    def _expire_overdue(self, db):
        # Authy evaluates expiry lazily: whoever looks next sees the request expired, and the
        # transition is dated at the moment it expired, not at the moment someone looked.
        db.execute(
            "UPDATE approval_requests SET status = 'expired', "
            "updated_at = expires_at, processed_at = expires_at "
            "WHERE status = 'pending' AND expires_at IS NOT NULL AND expires_at <= ?",
            (time.time(),),
        )

    # The log of Authy API calls (a test control)

    def log_call(self, method, path, status):
        with self._transaction() as db:
            db.execute(
                "INSERT INTO calls (method, path, status, time) VALUES (?, ?, ?, ?)",
                (method, path, status, time.time()),
            )

    def calls(self):
        with self._transaction() as db:
            return [dict(row) for row in db.execute("SELECT method, path, status, time FROM calls ORDER BY id")]


def _user(row):
    user = dict(row)
    user["devices"] = json.loads(user["devices"])
    user["registered"] = bool(user["registered"])
    user["confirmed"] = bool(user["confirmed"])
    return user


def _decode(row):
    request = dict(row)
    for column in JSON_COLUMNS:
        request[column] = json.loads(request[column])
    return request
