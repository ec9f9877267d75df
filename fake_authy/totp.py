"""The codes the Authy app shows: TOTP (RFC 6238) over HOTP (RFC 4226), with Authy's length
and period.

Authy's own accounts show 7-digit codes from a SHA-1 TOTP with a 10-second time step: that is
what the public tools that move Authy accounts to other authenticator apps set (for example
the widely shared gist "Export TOTP tokens from Authy", and GNOME Authenticator's issue 139
"Add support for multiple digits and custom validity periods (Authy)"). Twilio's own
documentation does not state the numbers. The Authy app itself shows a code for 20 seconds
and skips every other one; the simulated phone simply shows each 10-second code.
"""

import hashlib
import hmac
import secrets
import struct

DIGITS = 7
PERIOD = 10
SECRET_BYTES = 20  # 160 bits, the length RFC 4226 recommends


def new_secret():
    """A random secret for a new account, as hex (Authy keeps its seeds as hex too)."""
    return secrets.token_hex(SECRET_BYTES)


def hotp(key, counter, digits=DIGITS, digest=hashlib.sha1):
    """RFC 4226: HMAC of the 8-byte counter, dynamic truncation, the last `digits` digits."""
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def time_step(timestamp, period=PERIOD):
    """RFC 6238's T: whole periods since the Unix epoch."""
    return int(timestamp // period)


def totp(key, timestamp, digits=DIGITS, period=PERIOD, digest=hashlib.sha1):
    """RFC 6238: the HOTP of the time step."""
    return hotp(key, time_step(timestamp, period), digits, digest)


def seconds_left(timestamp, period=PERIOD):
    """Seconds until the code shown at `timestamp` changes (1 to `period`)."""
    return period - int(timestamp % period)
