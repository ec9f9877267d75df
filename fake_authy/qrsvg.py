"""Reading an SVG picture of a QR code, as the `qrcode` library draws one.

Pillow cannot open SVG and no SVG renderer is installed; but a QR code in SVG is a grid of
dark squares: one <rect> per module (qrcode's SvgImage and SvgFragmentImage) or one <path>
made of small squares (SvgPathImage). This reads those squares into a bitmap, which zxing-cpp
then decodes like any other picture. Anything else (curves, text, embedded pictures) is not
a QR code this can read, and the phone says so.

The SVG is untrusted: it is refused over MAX_SVG_BYTES, with a DOCTYPE (so no entity can
expand), with more than MAX_SQUARES squares, or wider than MAX_MODULES modules.
"""

import math
import re
import xml.etree.ElementTree as ElementTree

from PIL import Image
from PIL import ImageDraw

MAX_SVG_BYTES = 2 * 1024 * 1024
MAX_SQUARES = 40_000  # a version-40 QR code has 31,329 modules
MAX_MODULES = 400  # the largest QR code (version 40) is 177 modules wide, plus its margin
PIXELS_PER_MODULE = 4
QUIET_ZONE = 4  # light modules around the code, as the QR standard asks
SVG = "{http://www.w3.org/2000/svg}"
NUMBER = r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
LENGTH = re.compile(rf"\s*({NUMBER})\s*(?:mm|px|pt|cm|in)?\s*")
PATH_TOKEN = re.compile(rf"([A-Za-z])|({NUMBER})|[\s,]+|(.)")
LIGHT = {"white", "#fff", "#ffffff", "none", "transparent"}


class SvgError(ValueError):
    """Why the SVG cannot be read, in words for the person scanning."""


def looks_like_svg(data):
    """SVG (XML) starts with "<"; no PNG, JPEG or GIF does."""
    return data[:256].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def render(data):
    """The QR code of an SVG as a black-on-white bitmap (Pillow, mode L)."""
    if len(data) > MAX_SVG_BYTES:
        raise SvgError(f"The SVG is too large (over {MAX_SVG_BYTES // 1024 // 1024} MiB) to be a QR code.")
    if re.search(rb"<!(DOCTYPE|ENTITY)", data, re.IGNORECASE):
        raise SvgError("SVG with a DOCTYPE or entities is not read: save the QR code without one.")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as problem:
        raise SvgError(f"The upload is not well-formed SVG ({problem}).") from None
    if root.tag != f"{SVG}svg":
        raise SvgError("The upload is not an SVG picture: its first element is not <svg>.")
    squares = []
    for element in root.iter():
        if element.tag in (f"{SVG}rect", f"{SVG}path") and not _light(element):
            squares.extend(_rect(element) if element.tag == f"{SVG}rect" else _path(element.get("d", "")))
            if len(squares) > MAX_SQUARES:
                raise SvgError("The SVG has too many shapes to be a QR code.")
    if not squares:
        raise SvgError("No QR code found in the SVG: it has no dark squares (rect or path).")
    return _bitmap(squares)


def _light(element):
    style = dict(
        part.split(":", 1) for part in element.get("style", "").replace(" ", "").lower().split(";") if ":" in part
    )
    fill = style.get("fill", element.get("fill", "black")).strip().lower()
    return fill in LIGHT


def _length(text):
    match = LENGTH.fullmatch(text or "0")
    if not match or not math.isfinite(float(match[1])):
        raise SvgError(f"Cannot read the length {text[:20]!r} in the SVG.")
    return float(match[1])


def _rect(element):
    x, y = _length(element.get("x")), _length(element.get("y"))
    width, height = _length(element.get("width")), _length(element.get("height"))
    return [(x, y, x + width, y + height)] if width > 0 and height > 0 else []


def _path(d):
    """The bounding box of each closed part of a path of squares (M, L, H, V, Z)."""
    if len(re.findall("[Mm]", d)) > MAX_SQUARES:
        raise SvgError("The SVG has too many shapes to be a QR code.")
    squares = []
    points = []
    x = y = start_x = start_y = 0.0
    command = None
    first = False
    numbers = []

    def close():
        if len(points) > 1:
            xs, ys = [point[0] for point in points], [point[1] for point in points]
            if max(xs) > min(xs) and max(ys) > min(ys):
                squares.append((min(xs), min(ys), max(xs), max(ys)))
        points.clear()

    for letter, number, other in PATH_TOKEN.findall(d):
        waiting = first and command not in ("Z", "z")  # a command still without its numbers
        if other or (number and command in (None, "Z", "z")) or (letter and (numbers or waiting)):
            raise SvgError("The SVG's path cannot be read.")
        if letter:
            if letter not in "MmLlHhVvZz":
                raise SvgError("The SVG's path has curves or other shapes: not a QR code this phone can read.")
            command, first = letter, True
            if letter in "Zz":
                close()
                x, y = start_x, start_y
            continue
        if not number:
            continue  # spaces and commas
        numbers.append(float(number))
        if not math.isfinite(numbers[-1]):
            raise SvgError("The SVG's path cannot be read.")
        if len(numbers) < (2 if command in "MmLl" else 1):
            continue
        relative = command.islower()
        if command in "MmLl":
            x, y = (x + numbers[0], y + numbers[1]) if relative else (numbers[0], numbers[1])
            if command in "Mm" and first:
                close()
                start_x, start_y = x, y
        elif command in "Hh":
            x = x + numbers[0] if relative else numbers[0]
        else:
            y = y + numbers[0] if relative else numbers[0]
        points.append((x, y))
        numbers.clear()
        first = False
    if numbers or (first and command not in ("Z", "z")):
        raise SvgError("The SVG's path cannot be read.")
    close()
    return squares


def _bitmap(squares):
    """Squares in SVG units to modules (the smallest side is one), drawn on a bitmap."""
    module = min(min(right - left, bottom - top) for left, top, right, bottom in squares)
    if not module > 0:  # sides lost to rounding, e.g. 1 beside 1e300
        raise SvgError("The SVG's squares do not form the grid of a QR code.")
    origin_x = min(square[0] for square in squares)
    origin_y = min(square[1] for square in squares)

    def cell(value, origin):
        position = (value - origin) / module
        if abs(position - round(position)) > 0.05 or round(position) > MAX_MODULES:
            raise SvgError("The SVG's squares do not form the grid of a QR code.")
        return round(position)

    cells = [
        (cell(left, origin_x), cell(top, origin_y), cell(right, origin_x), cell(bottom, origin_y))
        for left, top, right, bottom in squares
    ]
    width = max(right for _, _, right, _ in cells) + 2 * QUIET_ZONE
    height = max(bottom for _, _, _, bottom in cells) + 2 * QUIET_ZONE
    picture = Image.new("L", (width * PIXELS_PER_MODULE, height * PIXELS_PER_MODULE), 255)
    draw = ImageDraw.Draw(picture)
    for left, top, right, bottom in cells:
        draw.rectangle(
            [
                (left + QUIET_ZONE) * PIXELS_PER_MODULE,
                (top + QUIET_ZONE) * PIXELS_PER_MODULE,
                (right + QUIET_ZONE) * PIXELS_PER_MODULE - 1,
                (bottom + QUIET_ZONE) * PIXELS_PER_MODULE - 1,
            ],
            fill=0,
        )
    return picture
