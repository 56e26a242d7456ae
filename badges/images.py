"""Badge images (PNG or SVG only) and baking (openbadges-bakery 2.x).

A badge class's image lives in ``{data_dir}/badge-images/{slug}.png`` or ``.svg``; without
one, a simple SVG/PNG with the badge's initials is generated. Anything that is not a PNG or
a well-formed SVG is refused (:class:`BadImage`), before anything is stored.
"""

from __future__ import annotations

import base64
import binascii
import html
import io
import re
import struct
import warnings
import zlib
from pathlib import Path

import openbadges_bakery
from defusedxml import ElementTree

from .errors import BadImage

IMAGES_DIR = "badge-images"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
MAX_IMAGE_BYTES = 2 * 1024 * 1024


def sniff(data: bytes, name: str = "the image") -> str:
    """``"png"`` or ``"svg"``; :class:`BadImage` for anything else."""
    if not data:
        raise BadImage(f"{name} is empty; a badge image must be a PNG or an SVG")
    if len(data) > MAX_IMAGE_BYTES:
        raise BadImage(f"{name} is larger than {MAX_IMAGE_BYTES:,} bytes")
    if data.startswith(PNG_SIGNATURE):
        if len(data) < 33 or data[12:16] != b"IHDR":
            raise BadImage(f"{name} starts like a PNG but is truncated or damaged")
        return "png"
    head = data[:1024].lstrip()
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE svg")) and b"<svg" in data[:4096]:
        try:
            root = ElementTree.fromstring(data)
        except Exception as exc:  # defusedxml raises several kinds
            raise BadImage(f"{name} is not a well-formed SVG: {exc}") from None
        if root.tag.rsplit("}", 1)[-1] != "svg":
            raise BadImage(f"{name} is XML but its root element is not <svg>")
        return "svg"
    kind = "a JPEG" if data.startswith(b"\xff\xd8") else "a GIF" if data.startswith(b"GIF8") else \
        "a WebP" if data[8:12] == b"WEBP" else "neither PNG nor SVG"
    raise BadImage(f"{name} is {kind}; badge images must be PNG or SVG")


def decode_data_uri(value: str, name: str = "the image") -> bytes:
    """Bytes of a ``data:image/...;base64,...`` URI (the form Badgr's API uses) or plain base64."""
    text = value.strip()
    if text.startswith("data:"):
        header, _, text = text.partition(",")
        if ";base64" not in header:
            raise BadImage(f"{name} must be a base64 data URI")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadImage(f"{name} is not valid base64") from None


def images_dir(data_dir) -> Path:
    return Path(data_dir) / IMAGES_DIR


def save_image(data_dir, slug: str, data: bytes) -> str:
    """Store a badge class's image after checking it; returns its kind."""
    kind = sniff(data, f"the image of badge {slug!r}")
    directory = images_dir(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    for other in ("png", "svg"):
        (directory / f"{slug}.{other}").unlink(missing_ok=True)
    (directory / f"{slug}.{kind}").write_bytes(data)
    return kind


def load_image(data_dir, slug: str, name: str = "") -> tuple[bytes, str]:
    """(bytes, kind) of a badge class's image: the stored one, else a generated SVG."""
    if data_dir is not None:
        for kind in ("png", "svg"):
            path = images_dir(data_dir) / f"{slug}.{kind}"
            if path.is_file():
                return path.read_bytes(), kind
    return default_svg(name or slug), "svg"


def _initials(name: str) -> str:
    words = [w for w in re.split(r"\W+", name) if w]
    return "".join(w[0] for w in words[:2]).upper() or "B"


def default_svg(name: str) -> bytes:
    label = html.escape(_initials(name))
    title = html.escape(name)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">'
            f'<title>{title}</title><circle cx="128" cy="128" r="120" fill="#2a6f97"/>'
            f'<circle cx="128" cy="128" r="100" fill="none" stroke="#ffffff" stroke-width="6"/>'
            f'<text x="128" y="150" font-family="sans-serif" font-size="72" text-anchor="middle" '
            f'fill="#ffffff">{label}</text></svg>').encode("utf-8")


def default_png(size: int = 128) -> bytes:
    """A plain round badge as PNG (no image library needed)."""
    rows = []
    c, r2, inner2 = size / 2, (size / 2 - 2) ** 2, (size / 2 - 14) ** 2
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            d = (x - c) ** 2 + (y - c) ** 2
            if d > r2:
                row += b"\x00\x00\x00\x00"
            elif d > inner2 and d < (size / 2 - 10) ** 2:
                row += b"\xff\xff\xff\xff"
            else:
                row += b"\x2a\x6f\x97\xff"
        rows.append(bytes(row))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b"")


def bake(image: bytes, payload: str) -> tuple[bytes, str]:
    """Embed an assertion (JSON text, a JWS or a URL) into a PNG or SVG image."""
    kind = sniff(image)
    with warnings.catch_warnings():
        # openbadges-bakery's SVG path calls a deprecated rfc3986 helper
        warnings.simplefilter("ignore", DeprecationWarning)
        out = openbadges_bakery.bake(io.BytesIO(image), payload)
    try:
        return out.read(), kind
    finally:
        out.close()


def unbake(data: bytes) -> str | None:
    """The Open Badges payload baked into a PNG or SVG, or None when there is none."""
    sniff(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            value = openbadges_bakery.unbake(io.BytesIO(data))
    except Exception:  # the bakery raises IndexError, KeyError, png errors... for "nothing baked"
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    return value


# -- Open Badges 3.0 baking (OB 3.0 §5.3: PNG iTXt "openbadgecredential", SVG <openbadges:credential>) --

OB3_PNG_KEYWORD = b"openbadgecredential"


def _png_chunks(data: bytes):
    pos = len(PNG_SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        yield kind, body, data[pos:pos + 12 + length]
        pos += 12 + length


def bake_ob3(image: bytes, credential_text: str) -> tuple[bytes, str]:
    """Embed an OB 3.0 credential (JSON or VC-JWT) in a PNG or SVG."""
    kind = sniff(image)
    if kind == "png":
        body = OB3_PNG_KEYWORD + b"\x00\x00\x00\x00\x00" + credential_text.encode("utf-8")
        itxt = struct.pack(">I", len(body)) + b"iTXt" + body + struct.pack(">I", zlib.crc32(b"iTXt" + body) & 0xFFFFFFFF)
        out, placed = bytearray(PNG_SIGNATURE), False
        for chunk_kind, chunk_body, raw in _png_chunks(image):
            if chunk_kind in (b"iTXt", b"tEXt") and chunk_body.startswith(OB3_PNG_KEYWORD + b"\x00"):
                continue
            out += raw
            if chunk_kind == b"IHDR" and not placed:
                out += itxt
                placed = True
        return bytes(out), kind
    text = image.decode("utf-8")
    cdata = credential_text.replace("]]>", "]]]]><![CDATA[>")
    element = f"<openbadges:credential><![CDATA[{cdata}]]></openbadges:credential>"
    match = re.search(r"<svg\b[^>]*>", text)
    opening = match.group(0)
    if "xmlns:openbadges" not in opening:
        opening = opening[:-1].rstrip("/") + ' xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
    return (text[:match.start()] + opening + element + text[match.end():]).encode("utf-8"), kind


def unbake_any(data: bytes) -> str | None:
    """The OB 3.0 credential or OB 2.0 assertion baked into an image, or None."""
    kind = sniff(data)
    if kind == "png":
        for chunk_kind, body, _ in _png_chunks(data):
            if chunk_kind == b"iTXt" and body.startswith(OB3_PNG_KEYWORD + b"\x00"):
                return body.split(b"\x00", 5)[-1].decode("utf-8") if body.count(b"\x00") >= 5 else None
    else:
        match = re.search(r"<openbadges:credential[^>]*>\s*<!\[CDATA\[(.*?)\]\]>\s*</openbadges:credential>",
                          data.decode("utf-8", "replace"), re.S)
        if match:
            return match.group(1).replace("]]]]><![CDATA[>", "]]>")
    return unbake(data)
