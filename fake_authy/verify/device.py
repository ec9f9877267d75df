"""A Verify Push device in a few lines of Python: what twilio-verify-android does on a phone.

Used by the tests and by the simulated phone (fake_authy/phone_verify.py): it makes a P-256 key pair per
factor, creates the factor with the app's access token, verifies it by signing its sid,
lists its pending challenges, and approves or denies one with a signed AuthPayload, all
over plain HTTP with the same requests as the SDK (keys.py describes them). Nothing in it
depends on the fake: pointed at https://verify.twilio.com/v2 it would speak to the real
service (which needs a real app's access token).

    device = Device(base_url)                         # e.g. http://127.0.0.1:5001/v2
    factor = device.create_factor(access_token, service_sid, identity, "Alice's phone")
    device.verify_factor(factor)
    challenge = device.pending_challenges(factor)[0]
    device.answer(factor, challenge["sid"], "approved")
"""

import base64
import json
import time
from dataclasses import dataclass
from dataclasses import field

import jwt
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

HTTP_TIMEOUT = 10
SDK_VERSION = "fake-device-1.0"
APP_ID = "com.example.push2fa"
JWT_SECONDS = 600  # the SDK's tokens last ten minutes


class DeviceError(AssertionError):
    """The service refused a device's call: .status_code and .body (Twilio's error envelope)."""

    def __init__(self, response):
        super().__init__(f"{response.request.method} {response.url} -> {response.status_code}: {response.text}")
        self.status_code = response.status_code
        try:
            self.body = response.json()
        except ValueError:
            self.body = None


@dataclass
class Factor:
    """What the device keeps about one factor: the service's answer and its private key."""

    sid: str
    service_sid: str
    identity: str
    account_sid: str
    credential_sid: str
    status: str
    key: ec.EllipticCurvePrivateKey = field(repr=False)


def public_key_text(key):
    """Binding.PublicKey: base64 of the X.509 SubjectPublicKeyInfo, as the SDK sends it."""
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def sign_factor_sid(key, factor_sid):
    """The AuthPayload that verifies a factor: base64 of a DER ECDSA signature of its sid."""
    return base64.b64encode(key.sign(factor_sid.encode(), ec.ECDSA(hashes.SHA256()))).decode()


def device_jwt(factor, key=None, now=None):
    """The Basic-auth password of every call after creation (AuthenticationProvider)."""
    now = int(time.time() if now is None else now)
    headers = {"cty": "twilio-pba;v=1", "kid": factor.credential_sid}
    claims = {"sub": factor.account_sid, "exp": now + JWT_SECONDS, "nbf": now}
    return jwt.encode(claims, key or factor.key, algorithm="ES256", headers=headers)


def challenge_payload(key, challenge, signature_fields, status):
    """A challenge's AuthPayload: the signed fields and the answer (PushChallengeProcessor)."""
    claims = {name: challenge[name] for name in signature_fields}
    claims["status"] = status
    return jwt.encode(claims, key, algorithm="ES256")


class Device:
    """One phone with the Verify Push SDK, talking to `base_url` (ending in /v2)."""

    def __init__(self, base_url, headers=None):
        self.base_url = base_url.rstrip("/")
        self.headers = headers or {}  # sent with every call

    def create_factor(self, access_token, service_sid, identity, friendly_name, key=None, notification_token=None):
        """Create a push factor with a new key (or `key`); status unverified."""
        key = key or ec.generate_private_key(ec.SECP256R1())
        data = {
            "FriendlyName": friendly_name,
            "FactorType": "push",
            "Binding.PublicKey": public_key_text(key),
            "Binding.Alg": "ES256",
            "Config.SdkVersion": SDK_VERSION,
            "Config.AppId": APP_ID,
            "Config.NotificationPlatform": "fcm" if notification_token else "none",
        }
        if notification_token:
            data["Config.NotificationToken"] = notification_token
        url = f"{self.base_url}/Services/{service_sid}/Entities/{identity}/Factors"
        answer = self._call("post", url, ("token", access_token), data=data)
        return Factor(answer["sid"], service_sid, identity, answer["account_sid"],
                      answer["config"]["credential_sid"], answer["status"], key)

    def verify_factor(self, factor, signing_key=None):
        """Verify the factor by signing its sid (with `signing_key` to forge one)."""
        payload = sign_factor_sid(signing_key or factor.key, factor.sid)
        answer = self._call("post", self._factor_url(factor), self._auth(factor), data={"AuthPayload": payload})
        factor.status = answer["status"]
        return answer

    def delete_factor(self, factor):
        self._call("delete", self._factor_url(factor), self._auth(factor))

    def challenges(self, factor, status=None, page_size=50):
        """The factor's challenges, as the SDK's getAllChallenges asks for them."""
        params = {"FactorSid": factor.sid, "PageSize": page_size, "Order": "desc"}
        if status:
            params["Status"] = status
        url = f"{self.base_url}/Services/{factor.service_sid}/Entities/{factor.identity}/Challenges"
        return self._call("get", url, self._auth(factor), params=params)["challenges"]

    def pending_challenges(self, factor):
        return self.challenges(factor, status="pending")

    def challenge(self, factor, challenge_sid):
        """(challenge, signature fields): the fields come in a header of a pending challenge."""
        response = self._request("get", self._challenge_url(factor, challenge_sid), self._auth(factor))
        header = response.headers.get("Twilio-Verify-Signature-Fields")
        return response.json(), header.split(",") if header else []

    def answer(self, factor, challenge_sid, status, signing_key=None):
        """Approve ("approved") or deny ("denied") a challenge, as the SDK's updateChallenge."""
        challenge, fields = self.challenge(factor, challenge_sid)
        payload = challenge_payload(signing_key or factor.key, challenge, fields, status)
        return self._call(
            "post", self._challenge_url(factor, challenge_sid), self._auth(factor), data={"AuthPayload": payload}
        )

    def _factor_url(self, factor):
        return f"{self.base_url}/Services/{factor.service_sid}/Entities/{factor.identity}/Factors/{factor.sid}"

    def _challenge_url(self, factor, challenge_sid):
        return f"{self.base_url}/Services/{factor.service_sid}/Entities/{factor.identity}/Challenges/{challenge_sid}"

    def _auth(self, factor):
        return ("token", device_jwt(factor))

    def _request(self, method, url, auth, **kwargs):
        response = requests.request(method, url, auth=auth, headers=self.headers, timeout=HTTP_TIMEOUT, **kwargs)
        if not 200 <= response.status_code < 300:
            raise DeviceError(response)
        return response

    def _call(self, method, url, auth, **kwargs):
        response = self._request(method, url, auth, **kwargs)
        return json.loads(response.text) if response.text else None
