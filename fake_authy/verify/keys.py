"""The device's keys, as the Verify Push SDKs use them, and the app's access tokens.

What twilio-verify-android does (its PushFactory, KeyStoreAdapter, JwtGenerator and
AuthenticationProvider), and so what the fake checks:

- The device makes an EC P-256 key pair per factor and sends `Binding.PublicKey`: the
  public key's X.509 SubjectPublicKeyInfo (DER), in standard base64, with `Binding.Alg` ES256.
- To verify the factor it signs the factor's sid (SHA256withECDSA, a DER signature) and
  sends it in base64 as `AuthPayload`.
- Every later call authenticates with HTTP Basic, user `token`, password a JWT signed with
  the factor's key: header {"cty": "twilio-pba;v=1", "kid": <config.credential_sid>,
  "typ": "JWT", "alg": "ES256"}, claims {"sub": <account sid>, "exp": now + 600, "nbf": now}.
- To answer a challenge it sends an `AuthPayload` JWT (ES256, no kid) whose claims are the
  challenge's fields named in the Twilio-Verify-Signature-Fields header, plus "status".
"""

import base64
import binascii
import time

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

# A JWT's clock may differ from the fake's by this much (the device's clock, or a test's).
LEEWAY_SECONDS = 60
ACCESS_TOKEN_CONTENT_TYPE = "twilio-fpa;v=1"


class Refused(ValueError):
    """A public key, signature or JWT that does not check out; the message says why."""


def public_key(text):
    """The device's P-256 public key from Binding.PublicKey (base64 of DER SubjectPublicKeyInfo)."""
    try:
        key = load_der_public_key(base64.b64decode(text, validate=True))
    except (ValueError, TypeError, binascii.Error):
        raise Refused("Binding.PublicKey is not a base64 DER public key") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise Refused("Binding.PublicKey must be an EC P-256 key (ES256)")
    return key


def check_factor_payload(key_text, factor_sid, auth_payload):
    """The AuthPayload that verifies a push factor: base64 of a DER ECDSA signature of its sid."""
    try:
        signature = base64.b64decode(auth_payload, validate=True)
        public_key(key_text).verify(signature, factor_sid.encode(), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError, binascii.Error):
        raise Refused("AuthPayload is not the factor's sid signed with its key") from None


def unverified_kid(token):
    """The "kid" of a device's JWT, read before the signature is checked (to find its key)."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.InvalidTokenError:
        raise Refused("not a JWT") from None
    if not isinstance(kid, str) or not kid:
        raise Refused("the JWT has no kid")
    return kid


def check_device_jwt(token, key_text, account_sid):
    """The Basic-auth password of a device's call: a fresh ES256 JWT of the factor's key."""
    try:
        claims = jwt.decode(
            token,
            public_key(key_text),
            algorithms=["ES256"],
            options={"require": ["exp", "nbf", "sub"]},
            leeway=LEEWAY_SECONDS,
        )
    except jwt.InvalidTokenError as error:
        raise Refused(f"the device's JWT is not valid: {error}") from None
    if claims["sub"] != account_sid:
        raise Refused("the device's JWT is for another account")
    return claims


def check_challenge_payload(token, key_text):
    """The claims of a challenge's AuthPayload, once its ES256 signature checks out."""
    try:
        return jwt.decode(token, public_key(key_text), algorithms=["ES256"], options={"verify_exp": False})
    except jwt.InvalidTokenError as error:
        raise Refused(f"AuthPayload is not a JWT signed with the factor's key: {error}") from None


def make_access_token(auth_token, account_sid, service_sid, identity, factor_type, sid, ttl):
    """An access token for one factor's creation, signed with the auth token (HS256)."""
    now = int(time.time())
    claims = {
        "jti": sid,
        "iss": account_sid,
        "sub": account_sid,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "grants": {"verify": {"identity": identity, "factor": factor_type, "service_sid": service_sid}},
    }
    return jwt.encode(claims, auth_token, algorithm="HS256", headers={"cty": ACCESS_TOKEN_CONTENT_TYPE})


def check_access_token(token, auth_token, account_sid):
    """The grant ({identity, factor, service_sid}) of a valid, unexpired access token."""
    try:
        claims = jwt.decode(token, auth_token, algorithms=["HS256"], options={"require": ["exp", "grants"]})
        grant = claims["grants"]["verify"]
        assert claims.get("sub") == account_sid and isinstance(grant, dict)
    except (jwt.InvalidTokenError, KeyError, TypeError, AssertionError):
        raise Refused("not a valid access token of this account") from None
    return grant
