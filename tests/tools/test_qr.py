"""tools/qr.py: the text of the one QR code in a picture, as a phone's camera reads it."""

import io

import pytest
import qrcode
from PIL import Image

from tools.qr import read_qr

LINK = "authy://account?token=eyJhbGciOiJIUzI1NiJ9.e30.signature"


def png(*pictures):
    """One PNG with the pictures side by side on white, as a screenshot would show them."""
    width = sum(picture.width for picture in pictures) or 200
    height = max((picture.height for picture in pictures), default=200)
    canvas, left = Image.new("RGB", (width, height), "white"), 0
    for picture in pictures:
        canvas.paste(picture, (left, 0))
        left += picture.width
    data = io.BytesIO()
    canvas.save(data, format="PNG")
    return data.getvalue()


def code(text):
    return qrcode.make(text).get_image().convert("RGB")


def test_reads_the_link_in_the_qr_code():
    assert read_qr(png(code(LINK))) == LINK


def test_no_qr_code_is_an_error():
    with pytest.raises(ValueError, match="expected one QR code in the picture, found 0"):
        read_qr(png())


def test_two_qr_codes_are_an_error():
    with pytest.raises(ValueError, match="found 2"):
        read_qr(png(code(LINK), code("authy://account?token=another")))
