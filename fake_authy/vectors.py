"""Known answers for the OneTouch callback signature, shared by every test that checks one.

The fake's own tests (tests/fake_authy/test_fake_callbacks.py) check that the fake signs
callbacks this way; final's tests (final/tests/test_callbacks.py) check that the app verifies
them this way. One copy, so the two can never disagree about what a right signature is.

Each vector is (API key, nonce, method, URL, parameters, X-Authy-Signature). The first signs
a callback body shaped as the real service sends one; the other two are the signing example
of Twilio's public Authy Webhooks API documentation. The official `authy` client's
OneTouch.validate_one_touch_signature accepts all three (the fake's tests check that too).
"""

import json

REAL_BODY = json.loads(
    '{"authy_id":1234,"device_uuid":5678,"callback_action":"approval_request_status","uuid":"u-1",'
    '"status":"denied","approval_request":{"transaction":{"details":{"User Name":"bob"},'
    '"hidden_details":{},"message":"Hi / there","reason":null,"encrypted":false},'
    '"expiration_timestamp":1700086400,"logos":[{"res":"default","url":"https://x/y.png"},'
    '{"res":"low","url":"https://x/z.png"}]},"signature":"c2ln"}'
)
WEBHOOKS_URL = "https://api.authy.com/dashboard/json/application/webhooks"
SIGNATURE_VECTORS = [
    ("test-api-key", "1700000000", "POST", "http://localhost:8000/authy/callback", REAL_BODY,
     "y6NA6zqlAqcr7BR5qTpJUfIWJY61JudlW9ROA+KU4nA="),
    ("foobar123", "1427849783.886085", "POST", WEBHOOKS_URL, {"b": "val|ue&2", "a": "value1"},
     "4f9676D/+BzsEq8NzF0fXpv7qETnzJUW/4YGe7p0EPM="),
    ("foobar123", "1427849783.886085", "GET", WEBHOOKS_URL, {"b": "val|ue&2", "a": "value1"},
     "W+RlOV+lGi1EA9jaT1X5hL1aJFAuTRwnHuQhCp2tAxI="),
]  # fmt: skip
# The names of a vector's fields, for pytest.mark.parametrize.
SIGNATURE_FIELDS = ("key", "nonce", "method", "url", "params", "expected")
