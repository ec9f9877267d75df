"""The Verify Push tables, part of the fake's one SQLite store (see store.py's SCHEMA).

Sids are Twilio's: two letters and 32 hex digits (VA service, YE entity, YF factor,
YC challenge, YK access token, YW webhook, CR a factor's credential). JSON columns hold
objects as text.

One table is not the service's: phone_factors is the simulated phone's own keystore, what
the Verify Push SDK keeps on a device (fake_authy/phone_verify.py). It sits in the same file
so that it survives a restart of the fake and a reset empties it with the rest.
"""

VERIFY_TABLES = (
    "verify_services",
    "verify_entities",
    "verify_factors",
    "verify_challenges",
    "verify_access_tokens",
    "verify_webhooks",
    "phone_factors",
)

VERIFY_SCHEMA = """
CREATE TABLE IF NOT EXISTS verify_services (
    sid TEXT PRIMARY KEY,
    friendly_name TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS verify_entities (
    sid TEXT PRIMARY KEY,
    service_sid TEXT NOT NULL,
    identity TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (service_sid, identity)
);
CREATE TABLE IF NOT EXISTS verify_factors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,   -- creation order
    sid TEXT NOT NULL UNIQUE,
    service_sid TEXT NOT NULL,
    identity TEXT NOT NULL,
    entity_sid TEXT NOT NULL,
    friendly_name TEXT NOT NULL,
    factor_type TEXT NOT NULL,              -- push
    status TEXT NOT NULL,                   -- unverified, then verified
    public_key TEXT NOT NULL,               -- base64 of the device's X.509 SubjectPublicKeyInfo
    alg TEXT NOT NULL,                      -- ES256
    credential_sid TEXT NOT NULL UNIQUE,    -- the "kid" of the device's JWTs
    config TEXT NOT NULL,                   -- JSON
    metadata TEXT,                          -- JSON or NULL
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS verify_challenges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,   -- creation order
    sid TEXT NOT NULL UNIQUE,
    service_sid TEXT NOT NULL,
    identity TEXT NOT NULL,
    entity_sid TEXT NOT NULL,
    factor_sid TEXT NOT NULL,
    status TEXT NOT NULL,                   -- pending, then approved, denied or expired
    responded_reason TEXT NOT NULL,         -- none
    details TEXT NOT NULL,                  -- JSON {message, date, fields}
    hidden_details TEXT,                    -- JSON or NULL
    metadata TEXT,                          -- JSON or NULL (sent by the device)
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    responded_at REAL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS verify_access_tokens (
    sid TEXT PRIMARY KEY,
    service_sid TEXT NOT NULL,
    identity TEXT NOT NULL,
    factor_type TEXT NOT NULL,
    factor_friendly_name TEXT,
    token TEXT NOT NULL,
    ttl INTEGER NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS verify_webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sid TEXT NOT NULL UNIQUE,
    service_sid TEXT NOT NULL,
    friendly_name TEXT NOT NULL,
    event_types TEXT NOT NULL,              -- JSON list
    webhook_url TEXT NOT NULL,
    status TEXT NOT NULL,                   -- enabled or disabled
    version TEXT NOT NULL,                  -- v1 or v2
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS phone_factors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,   -- the order the phone added them
    factor_sid TEXT NOT NULL UNIQUE,
    service_sid TEXT NOT NULL,
    identity TEXT NOT NULL,
    account_sid TEXT NOT NULL,
    credential_sid TEXT NOT NULL,           -- the "kid" of the phone's JWTs
    friendly_name TEXT NOT NULL,
    app_name TEXT NOT NULL,                 -- what the phone calls the app (the service's name)
    private_key TEXT NOT NULL,              -- PEM (PKCS 8) of the factor's P-256 private key
    created_at REAL NOT NULL
);
"""
