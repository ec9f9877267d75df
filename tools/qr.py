"""Read a QR code off a picture of the screen, as the camera of a phone does.

Used by the end-to-end scenarios (e2e/conftest.py) and tools/screenshots.py.
"""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image


def read_qr(png: bytes) -> str:
    """The text of the one QR code in a picture (PNG bytes); ValueError if there is not exactly one."""
    # QR codes only: a QR code's pattern can also pass for a short 1D barcode.
    codes = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode)
    if len(codes) != 1:
        raise ValueError(f"expected one QR code in the picture, found {len(codes)}")
    return codes[0].text
