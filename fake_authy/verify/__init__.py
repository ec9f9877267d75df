"""Twilio Verify Push (Verify API v2) in the fake, beside its Authy API.

The same server answers both: the Authy paths (/protected/, /onetouch/) and Verify's /v2/
paths, as the official `twilio` library calls them (it sends https://verify.twilio.com/v2/...;
an app points it at the fake with `client.verify.base_url`) and as Twilio's Verify Push SDKs
call them from the device. docs/fake-verify.md says what it follows and what it chose.

- `tables.py`: the SQLite tables (part of the fake's one store, store.py)
- `store.py`: services, entities, factors, challenges, access tokens and webhooks
- `wire.py`: Twilio's JSON shapes, sids, dates, error envelope and paging
- `keys.py`: the device's ES256 keys: public keys, signatures, JWTs, access tokens
- `routes.py`: the HTTP routes and how each caller authenticates
- `webhooks.py`: the signed webhook POSTs to the app
- `device.py`: a Verify Push device in Python (what the SDKs do), for tests and the phone
"""
