"""Verify Push state: services, entities, factors, challenges, access tokens and webhooks.

Its tables are in the fake's one SQLite file (tables.py, created by fake_authy/store.py), and
each operation is one of that store's BEGIN IMMEDIATE transactions: when a device approves
a challenge while the app polls it, or two devices answer at once, a challenge is answered
exactly once. Like the rest of the fake's store, it knows nothing about HTTP.
"""

import json
import time

from .wire import new_sid

JSON_COLUMNS = ("config", "metadata", "details", "hidden_details", "event_types")


def _decode(row):
    if row is None:
        return None
    found = dict(row)
    for column in JSON_COLUMNS:
        if found.get(column) is not None:
            found[column] = json.loads(found[column])
    return found


def _insert(db, table, row):
    encoded = {
        name: json.dumps(value) if name in JSON_COLUMNS and value is not None else value for name, value in row.items()
    }
    names = ", ".join(encoded)
    marks = ", ".join("?" for _ in encoded)
    db.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", tuple(encoded.values()))


class VerifyStore:
    """The Verify tables of a fake_authy.store.Store."""

    def __init__(self, store, default_service_sid):
        self.store = store
        self.default_service_sid = default_service_sid

    # Services: the one of the settings always exists (an app is given its sid, as with a
    # real account); more can be created.

    def service(self, sid):
        with self.store.transaction() as db:
            row = db.execute("SELECT * FROM verify_services WHERE sid = ?", (sid,)).fetchone()
            if row is None and sid == self.default_service_sid:
                now = time.time()
                _insert(db, "verify_services", {"sid": sid, "friendly_name": "Push 2FA Tutorial",
                                                "created_at": now, "updated_at": now})
                row = db.execute("SELECT * FROM verify_services WHERE sid = ?", (sid,)).fetchone()
            return _decode(row)

    def create_service(self, friendly_name):
        now = time.time()
        row = {"sid": new_sid("VA"), "friendly_name": friendly_name, "created_at": now, "updated_at": now}
        with self.store.transaction() as db:
            _insert(db, "verify_services", row)
        return row

    # Entities: one per user of the app (identity), created with its first factor or by
    # the app.

    def entity(self, service_sid, identity):
        with self.store.transaction() as db:
            return self._entity(db, service_sid, identity)

    def create_entity(self, service_sid, identity):
        """The entity, created if new; (entity, created)."""
        with self.store.transaction() as db:
            found = self._entity(db, service_sid, identity)
            if found:
                return found, False
            return self._new_entity(db, service_sid, identity), True

    def entities(self, service_sid):
        with self.store.transaction() as db:
            rows = db.execute("SELECT * FROM verify_entities WHERE service_sid = ? ORDER BY rowid", (service_sid,))
            return [_decode(row) for row in rows]

    def delete_entity(self, service_sid, identity):
        """Remove the entity with its factors and challenges; False if unknown."""
        with self.store.transaction() as db:
            entity = self._entity(db, service_sid, identity)
            if entity is None:
                return False
            for table in ("verify_challenges", "verify_factors"):
                db.execute(f"DELETE FROM {table} WHERE entity_sid = ?", (entity["sid"],))
            db.execute("DELETE FROM verify_entities WHERE sid = ?", (entity["sid"],))
            return True

    def _entity(self, db, service_sid, identity):
        return _decode(db.execute(
            "SELECT * FROM verify_entities WHERE service_sid = ? AND identity = ?", (service_sid, identity)
        ).fetchone())

    def _new_entity(self, db, service_sid, identity):
        now = time.time()
        row = {"sid": new_sid("YE"), "service_sid": service_sid, "identity": identity,
               "created_at": now, "updated_at": now}
        _insert(db, "verify_entities", row)
        return row

    # Access tokens: what the app gives a device to create its factor.

    def create_access_token(self, service_sid, identity, factor_type, friendly_name, ttl, make_token):
        """Store a token; `make_token(sid)` signs it."""
        sid = new_sid("YK")
        row = {"sid": sid, "service_sid": service_sid, "identity": identity, "factor_type": factor_type,
               "factor_friendly_name": friendly_name, "token": make_token(sid), "ttl": ttl,
               "created_at": time.time()}
        with self.store.transaction() as db:
            _insert(db, "verify_access_tokens", row)
        return row

    def access_token(self, service_sid, sid):
        with self.store.transaction() as db:
            return _decode(db.execute(
                "SELECT * FROM verify_access_tokens WHERE service_sid = ? AND sid = ?", (service_sid, sid)
            ).fetchone())

    # Factors: one device's key for one entity.

    def create_factor(self, service_sid, identity, friendly_name, public_key, alg, config, metadata):
        """A new unverified push factor (and its entity, if new)."""
        now = time.time()
        with self.store.transaction() as db:
            entity = self._entity(db, service_sid, identity) or self._new_entity(db, service_sid, identity)
            row = {"sid": new_sid("YF"), "service_sid": service_sid, "identity": identity,
                   "entity_sid": entity["sid"], "friendly_name": friendly_name, "factor_type": "push",
                   "status": "unverified", "public_key": public_key, "alg": alg,
                   "credential_sid": new_sid("CR"), "config": config, "metadata": metadata,
                   "created_at": now, "updated_at": now}
            _insert(db, "verify_factors", row)
            return self._factor(db, row["sid"])

    def factor(self, sid):
        with self.store.transaction() as db:
            return self._factor(db, sid)

    def factor_by_credential(self, credential_sid):
        with self.store.transaction() as db:
            return _decode(db.execute(
                "SELECT * FROM verify_factors WHERE credential_sid = ?", (credential_sid,)
            ).fetchone())

    def factors(self, service_sid, identity):
        with self.store.transaction() as db:
            rows = db.execute(
                "SELECT * FROM verify_factors WHERE service_sid = ? AND identity = ? ORDER BY id",
                (service_sid, identity),
            )
            return [_decode(row) for row in rows]

    def update_factor(self, sid, status=None, friendly_name=None, config=None):
        """Change what is given (None: keep); returns (before, after), or (None, None)."""
        with self.store.transaction() as db:
            before = self._factor(db, sid)
            if before is None:
                return None, None
            db.execute(
                "UPDATE verify_factors SET status = ?, friendly_name = ?, config = ?, updated_at = ? WHERE sid = ?",
                (status or before["status"], friendly_name or before["friendly_name"],
                 json.dumps({**before["config"], **(config or {})}), time.time(), sid),
            )
            return before, self._factor(db, sid)

    def delete_factor(self, sid):
        """Remove the factor and its challenges; the factor as it was, or None."""
        with self.store.transaction() as db:
            found = self._factor(db, sid)
            if found:
                db.execute("DELETE FROM verify_challenges WHERE factor_sid = ?", (sid,))
                db.execute("DELETE FROM verify_factors WHERE sid = ?", (sid,))
            return found

    def _factor(self, db, sid):
        return _decode(db.execute("SELECT * FROM verify_factors WHERE sid = ?", (sid,)).fetchone())

    # Challenges: one login to approve or deny.

    def create_challenge(self, factor, details, hidden_details, expires_at):
        now = time.time()
        row = {"sid": new_sid("YC"), "service_sid": factor["service_sid"], "identity": factor["identity"],
               "entity_sid": factor["entity_sid"], "factor_sid": factor["sid"], "status": "pending",
               "responded_reason": "none", "details": details, "hidden_details": hidden_details,
               "metadata": None, "created_at": now, "updated_at": now, "expires_at": expires_at}
        with self.store.transaction() as db:
            _insert(db, "verify_challenges", row)
            return self._challenge(db, row["sid"])

    def challenge(self, sid):
        with self.store.transaction() as db:
            self._expire_overdue(db)
            return self._challenge(db, sid)

    def challenges(self, service_sid, identity, factor_sid=None, status=None, newest_first=False):
        with self.store.transaction() as db:
            self._expire_overdue(db)
            sql = "SELECT * FROM verify_challenges WHERE service_sid = ? AND identity = ?"
            params = [service_sid, identity]
            for column, value in (("factor_sid", factor_sid), ("status", status)):
                if value is not None:
                    sql += f" AND {column} = ?"
                    params.append(value)
            sql += " ORDER BY id DESC" if newest_first else " ORDER BY id"
            return [_decode(row) for row in db.execute(sql, params)]

    def answer_challenge(self, sid, status, metadata):
        """Approve or deny a pending challenge: (challenge, changed), as Store.answer does."""
        with self.store.transaction() as db:
            self._expire_overdue(db)
            found = self._challenge(db, sid)
            if found is None or found["status"] != "pending":
                return found, False
            now = time.time()
            db.execute(
                "UPDATE verify_challenges SET status = ?, metadata = ?, updated_at = ?, responded_at = ? "
                "WHERE sid = ?",
                (status, None if metadata is None else json.dumps(metadata), now, now, sid),
            )
            return self._challenge(db, sid), True

    def _challenge(self, db, sid):
        return _decode(db.execute("SELECT * FROM verify_challenges WHERE sid = ?", (sid,)).fetchone())

    def _expire_overdue(self, db):
        # Lazily, as the fake's Authy requests: dated when it expired, not when looked at.
        db.execute(
            "UPDATE verify_challenges SET status = 'expired', updated_at = expires_at "
            "WHERE status = 'pending' AND expires_at <= ?",
            (time.time(),),
        )

    # Webhooks: where the service tells the app about factors and challenges.

    def create_webhook(self, service_sid, friendly_name, event_types, webhook_url, status, version):
        now = time.time()
        row = {"sid": new_sid("YW"), "service_sid": service_sid, "friendly_name": friendly_name,
               "event_types": event_types, "webhook_url": webhook_url, "status": status, "version": version,
               "created_at": now, "updated_at": now}
        with self.store.transaction() as db:
            _insert(db, "verify_webhooks", row)
            return self._webhook(db, service_sid, row["sid"])

    def webhook(self, service_sid, sid):
        with self.store.transaction() as db:
            return self._webhook(db, service_sid, sid)

    def webhooks(self, service_sid):
        with self.store.transaction() as db:
            rows = db.execute("SELECT * FROM verify_webhooks WHERE service_sid = ? ORDER BY id", (service_sid,))
            return [_decode(row) for row in rows]

    def update_webhook(self, service_sid, sid, changes):
        with self.store.transaction() as db:
            found = self._webhook(db, service_sid, sid)
            if found is None:
                return None
            merged = {**found, **changes, "updated_at": time.time()}
            db.execute(
                "UPDATE verify_webhooks SET friendly_name = ?, event_types = ?, webhook_url = ?, status = ?, "
                "version = ?, updated_at = ? WHERE sid = ?",
                (merged["friendly_name"], json.dumps(merged["event_types"]), merged["webhook_url"],
                 merged["status"], merged["version"], merged["updated_at"], sid),
            )
            return self._webhook(db, service_sid, sid)

    def delete_webhook(self, service_sid, sid):
        with self.store.transaction() as db:
            return db.execute(
                "DELETE FROM verify_webhooks WHERE service_sid = ? AND sid = ?", (service_sid, sid)
            ).rowcount > 0

    def _webhook(self, db, service_sid, sid):
        return _decode(db.execute(
            "SELECT * FROM verify_webhooks WHERE service_sid = ? AND sid = ?", (service_sid, sid)
        ).fetchone())

    # The simulated phone's own factors and keys (fake_authy/phone_verify.py): the device's
    # side, which the service's routes never read.

    def add_phone_factor(self, row):
        with self.store.transaction() as db:
            _insert(db, "phone_factors", {**row, "created_at": time.time()})

    def phone_factors(self):
        with self.store.transaction() as db:
            return [dict(row) for row in db.execute("SELECT * FROM phone_factors ORDER BY id")]

    def phone_factor(self, factor_sid):
        with self.store.transaction() as db:
            row = db.execute("SELECT * FROM phone_factors WHERE factor_sid = ?", (factor_sid,)).fetchone()
            return dict(row) if row else None

    def forget_phone_factors_gone(self):
        """Drop the phone's factors the service no longer has (deleted, or their entity was);
        returns those that remain."""
        with self.store.transaction() as db:
            db.execute("DELETE FROM phone_factors WHERE factor_sid NOT IN (SELECT sid FROM verify_factors)")
            return [dict(row) for row in db.execute("SELECT * FROM phone_factors ORDER BY id")]
