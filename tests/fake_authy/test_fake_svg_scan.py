"""The phone reads an SVG of a QR code (the original article's app serves one), as the
`qrcode` library draws it; it refuses any other SVG with a clear message, never a 500."""

import io
import re

import pytest
import qrcode
import zxingcpp
from qrcode.image.svg import SvgFillImage
from qrcode.image.svg import SvgFragmentImage
from qrcode.image.svg import SvgImage
from qrcode.image.svg import SvgPathFillImage
from qrcode.image.svg import SvgPathImage

from fake_authy import qrsvg
from fake_authy.testing import UnexpectedResponse

SVG_HEAD = b'<svg xmlns="http://www.w3.org/2000/svg" width="33mm" height="33mm">'
# Entities that would expand to a billion "lol"s if a parser expanded them.
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&lol3;</text></svg>"""


def svg_of(text, factory, **options):
    buffer = io.BytesIO()
    qrcode.make(text, image_factory=factory, **options).save(buffer)
    return buffer.getvalue()


def scan_svg(phone, data):
    return phone.scan_image(data, name="qr.svg", mimetype="image/svg+xml")


@pytest.mark.parametrize("factory", [SvgImage, SvgPathImage, SvgFragmentImage, SvgFillImage, SvgPathFillImage])
@pytest.mark.parametrize("box_size", [10, 3])
def test_an_svg_from_each_of_qrcodes_factories_registers(phone, authy, link, factory, box_size):
    scanned = scan_svg(phone, svg_of(link("7"), factory, box_size=box_size))
    assert scanned["custom_user_id"] == "7"
    assert authy.users.registration_status("7")["registration"]["status"] == "completed"


def test_an_svg_with_relative_path_commands_is_read(phone, link):
    # The same squares written as relative moves, as other tools write paths.
    text = link("7")
    absolute = svg_of(text, SvgPathImage).decode()

    start = (0, 0)  # after z, a relative m moves from where the last square started

    def relative(match):
        nonlocal start
        x, y, x1, y1 = (int(group) for group in match.groups())
        moved, start = f"m{x - start[0]},{y - start[1]}", (x, y)
        return f"{moved} h{x1 - x} v{y1 - y} h{x - x1} z "

    rewritten = re.sub(r"M(\d+),(\d+)H(\d+)V(\d+)H\d+z", relative, absolute)
    assert rewritten.count("h") > 100 and "H" not in rewritten
    assert zxingcpp.read_barcodes(qrsvg.render(rewritten.encode()))[0].text == text
    assert scan_svg(phone, rewritten.encode())["custom_user_id"] == "7"


BAD_SVGS = {
    "not-well-formed": (SVG_HEAD + b"<rect", "not well-formed SVG"),
    "not-svg": (b"<html><body>QR</body></html>", "not an SVG picture"),
    "billion-laughs": (LAUGHS, "DOCTYPE"),
    "external-entity": (b'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>', "DOCTYPE"),
    "no-squares": (SVG_HEAD + b"<text>authy://account?token=x</text></svg>", "no dark squares"),
    "only-white": (SVG_HEAD + b'<rect width="10" height="10" fill="#ffffff"/></svg>', "no dark squares"),
    "curves": (SVG_HEAD + b'<path d="M0,0 C1,1 2,2 3,3z"/></svg>', "curves"),
    "broken-path": (SVG_HEAD + b'<path d="M0,0H1V"/></svg>', "path cannot be read"),
    "percent-length": (SVG_HEAD + b'<rect width="10%" height="1"/></svg>', "Cannot read the length"),
    "infinite-length": (SVG_HEAD + b'<rect width="1e999" height="1"/></svg>', "Cannot read the length"),
    "off-grid": (SVG_HEAD + b'<rect width="1" height="1"/><rect x="1.5" width="1" height="1"/></svg>', "grid"),
    "lost-in-rounding": (SVG_HEAD + b'<rect width="1" height="1"/><rect x="1e300" width="1" height="1"/></svg>', "grid"),
    "too-wide": (SVG_HEAD + b'<rect width="1" height="1"/><rect x="5000" width="1" height="1"/></svg>', "grid"),
    "too-many-squares": (SVG_HEAD + b'<path d="' + b"M0,0h1v1h-1z" * 40_001 + b'"/></svg>', "too many shapes"),
    "too-many-rects": (SVG_HEAD + b'<rect width="1" height="1"/>' * 40_001 + b"</svg>", "too many shapes"),
    "too-large": (SVG_HEAD + b" " * (3 * 1024 * 1024) + b"</svg>", "too large"),
    "squares-but-no-code": (SVG_HEAD + b'<rect width="1" height="1"/><rect x="2" width="1" height="1"/></svg>', "No QR code found"),
    "not-utf8": (SVG_HEAD + b"<text>\xff\xfe</text></svg>", "not well-formed SVG"),
}


@pytest.mark.parametrize(("data", "error"), BAD_SVGS.values(), ids=BAD_SVGS)
def test_an_svg_that_cannot_be_read_is_refused_with_the_reason(phone, data, error):
    with pytest.raises(UnexpectedResponse) as refused:
        scan_svg(phone, data)
    assert refused.value.status_code == 400
    assert error in refused.value.response.json()["error"]
    assert phone.accounts() == []
