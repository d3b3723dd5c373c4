"""Hostile uploads and archives (renamed HTML and SVG, polyglots, pixel floods, traversal names,
zip bombs) through every path that takes a file: refused with a clear message, never a 5xx, and
nothing stored.

The paths:
- image upload through the API, with an API token;
- image upload from the question editor: the page's script posts to the same endpoint with the
  session and its CSRF token (the editor page has no file field of its own);
- import upload through the API and through the import page, in every format that takes a file
  or an archive (native JSON or zip, QTI item or package, Moodle XML, GIFT, Aiken, CSV);
- the images an import file carries: inline in native JSON, beside it in a native zip, in a QTI
  package, embedded in Moodle XML; each sent through both import paths.

"Nothing stored" is checked on the row count of every table, the media storage and the folder
that holds uploads while a request reads them. An import records its refusal by design: the
upload makes a job, the dry run fails it with the reason (and drops the file) or reports every
item as an error, and confirming it, even "only the valid items", imports nothing.

What is accepted, and why: an image that is a real PNG, JPEG, GIF or WebP with script after its
end, in a comment or in a text chunk (a polyglot) is decoded and written anew (images.py), so
what is stored is a clean image of the kind it claims, under a server-made name, with none of
the script. A harmless file under a hostile name is accepted: the image gets a server-made name
and the import job a cleaned one.

`make test` sends each payload down one of its paths (a sample, in turn); `make fuzz`
(VIGNETTE_FUZZ=full) sends every payload down every path.
"""

import functools
import io
import json
import mimetypes
import os
import random
import re
import stat
import struct
import uuid
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from PIL import Image, PngImagePlugin
from rest_framework.test import APIClient

from apps.accounts import services as account_services
from apps.core.errors import InvalidInput
from apps.questions.formats import FORMATS, csv_format, detect, moodle, native, qti
from apps.questions.formats.archive import read_zip, write_zip
from apps.questions.formats.base import FormatError, ImageDraft, ImportSource
from apps.questions.images import image_clean
from apps.questions.models import ImportJob, Question, QuestionImage
from tests.questions.conftest import make_draft

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

FULL = os.environ.get("VIGNETTE_FUZZ") == "full"
MB = 1024 * 1024
NOT_AN_IMAGE = "This file is not an image we can read."
DAMAGED = "The image file is damaged or incomplete."
NOT_ALLOWED = "Use a PNG, JPEG, WebP or GIF image."
NO_FORMAT = "Choose the file's format; it could not be told from the file."
EMPTY = "The submitted file is empty."
DTD = "The file declares a DTD or entities, which are refused for safety."
UID = str(uuid.UUID(int=7))


# --- Outcomes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refused:
    """400 at the upload, a message on the field, no job."""

    field: str
    message: str
    summary: str = "Some of the input is not valid."


@dataclass(frozen=True)
class Failed:
    """The import job records the refusal with its reason and keeps no file."""

    message: str


@dataclass(frozen=True)
class ItemErrors:
    """The dry run reports every item as an error; confirming imports nothing."""

    messages: tuple[str, ...]


@dataclass(frozen=True)
class Cleaned:
    """A real image that carries script: stored re-encoded, under a server-made name."""

    extension: str


@dataclass(frozen=True)
class Unparsable:
    """400 before any view runs: the upload's headers are beyond what the parser reads."""

    message: str


@dataclass(frozen=True)
class Renamed:
    """A harmless import file under a hostile name: the job holds a cleaned name."""

    filename: str


def _image_refusal(message: str) -> Refused:
    # The image check's own refusal: its message is also the summary.
    return Refused("file", message, summary=message)


# --- Building hostile files -------------------------------------------------------------------


def _image(fmt: str, size=(24, 16), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt, **save)
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size: a pixel flood's shape."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _png_chunk(b"IEND", b"")
    )


def _gif_claiming(width: int, height: int) -> bytes:
    """A GIF whose logical screen and one frame claim a huge size, with a few bytes of data."""
    screen = struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    frame = b"," + struct.pack("<HHHHB", 0, 0, width, height, 0)
    return b"GIF89a" + screen + frame + b"\x02\x02\x44\x01\x00;"


def _jpeg_claiming(width: int, height: int) -> bytes:
    """A real JPEG whose frame header (SOF0) is patched to claim another size."""
    data = bytearray(_image("JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert('png-text')</script>")
    info.add_text("Description", "<svg onload=alert('png-ztxt')>", zip=True)
    info.add_itxt("XML:com.adobe.xmp", "<html><script>alert('png-itxt')</script></html>")
    return _image("PNG", pnginfo=info)


def _gif_js_header() -> bytes:
    """A GIF that is also JavaScript: its width is the bytes `/*`, and after its end comes
    `*/=alert(1)`, so a page that loads it as a script runs it."""
    data = bytearray(_image("GIF", size=(10, 10)))
    data[6:10] = b"/*\x0a\x00"  # width 0x2A2F, height 10
    return bytes(data) + b"*/=alert('gif-js');"


def _eps() -> bytes:
    # PostScript runs in Ghostscript when Pillow loads an EPS; it must be refused before that.
    return (
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n(%pipe%id) (w) file\nshowpage\n%%EOF\n"
    )


HTML = b"<!DOCTYPE html><html><body><script>alert(document.domain)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.cookie)</script></svg>"
)


def _bank(*, images=None, **changes) -> bytes:
    """A native bank of one sound item, its fields changed as given."""
    draft = make_draft(uid=UID, **changes)
    bank = json.loads(native.render([draft]).data)
    if images is not None:
        bank["questions"][0]["images"] = images
    return json.dumps(bank).encode()


def _zip_with(name: str, data: bytes) -> bytes:
    """A bank whose item shows `figures/x.png`, with one more member named as given."""
    image = [{"name": "x.png", "alt": "ECG", "file": "figures/x.png"}]
    return write_zip(
        {
            "bank.json": _bank(images=image, stem='<img src="x.png" alt="ECG">', markup="html"),
            "figures/x.png": _image("PNG"),
            name: data,
        }
    )


def _zip_bomb_ratio() -> bytes:
    """2 MB of zeros deflated to about 2 kB: more than 100:1 in a member over 1 MB."""
    image = [{"name": "x.png", "alt": "ECG", "file": "figures/x.png"}]
    bank = _bank(images=image, stem='<img src="x.png" alt="ECG">', markup="html")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("bank.json", bank)
        archive.writestr("figures/x.png", bytes(2 * MB))
    return buffer.getvalue()


def _zip_bomb_total() -> bytes:
    """201 members of 1 MB of zeros each, under 1 MB in all: no member is large enough for the
    ratio check, so the total is what refuses it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("bank.json", _bank())
        for number in range(201):
            archive.writestr(f"figures/{number:03d}.png", bytes(MB))
    return buffer.getvalue()


def _zip_lying_size() -> bytes:
    """A member that declares 10 bytes and inflates to 1 MB."""
    data = bytearray(_zip_deflated("bank.json", b"{" + b" " * MB + b"}"))
    central = data.index(b"PK\x01\x02")
    data[22:26] = data[central + 24 : central + 28] = struct.pack("<I", 10)
    return bytes(data)


def _zip_deflated(name: str, data: bytes, method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def _zip_overlapping() -> bytes:
    """Two directory entries for one member, the second under another name: the shape of the
    overlapping-files zip bomb."""
    data = bytearray(_zip_deflated("bank.json", _bank()))
    central, end = data.index(b"PK\x01\x02"), data.index(b"PK\x05\x06")
    entry = bytes(data[central:end])
    twin = entry.replace(b"bank.json", b"evil.json")
    tail = bytearray(data[end:])
    tail[8:12] = struct.pack("<HH", 2, 2)
    tail[12:16] = struct.pack("<I", len(entry) * 2)
    return bytes(data[:central]) + entry + twin + bytes(tail)


def _zip_patched(data: bytes, local: dict[int, bytes], central: dict[int, bytes]) -> bytes:
    """The zip with bytes of its first local header and first directory entry replaced."""
    patched = bytearray(data)
    start = patched.index(b"PK\x01\x02")
    for offset, value in local.items():
        patched[offset : offset + len(value)] = value
    for offset, value in central.items():
        patched[start + offset : start + offset + len(value)] = value
    return bytes(patched)


def _zip_corrupt_deflate() -> bytes:
    data = bytearray(_zip_deflated("bank.json", _bank() * 4))
    start = 30 + len("bank.json")
    data[start : start + 16] = bytes(byte ^ 0xFF for byte in data[start : start + 16])
    return bytes(data)


def _zip_corrupt_lzma() -> bytes:
    data = bytearray(_zip_deflated("bank.json", _bank() * 4, zipfile.ZIP_LZMA))
    start = 30 + len("bank.json") + 4  # past the LZMA properties header
    data[start + 10 : start + 30] = bytes(20)
    return bytes(data)


def _zip_unknown_method() -> bytes:
    method = struct.pack("<H", 99)  # AES, which zipfile cannot read
    return _zip_patched(_zip_deflated("bank.json", _bank()), {8: method}, {10: method})


def _zip_future_version() -> bytes:
    version = struct.pack("<H", 255)  # needs zip version 25.5
    return _zip_patched(_zip_deflated("bank.json", _bank()), {4: version}, {6: version})


def _zip_encrypted() -> bytes:
    data = _zip_deflated("bank.json", _bank(), zipfile.ZIP_STORED)
    return _zip_patched(data, {6: b"\x01"}, {8: b"\x01"})


def _zip_bad_directory_offset() -> bytes:
    data = bytearray(_zip_deflated("bank.json", _bank()))
    end = data.index(b"PK\x05\x06")
    data[end + 16 : end + 20] = struct.pack("<I", 10**9)
    return bytes(data)


def _zip_bad_utf8_name() -> bytes:
    """A member name flagged as UTF-8 that is not UTF-8."""
    data = _zip_deflated("bank_.json", _bank()).replace(b"bank_.json", b"bank\xff.json")
    return _zip_patched(data, {7: b"\x08"}, {9: b"\x08"})


def _zip_nested() -> bytes:
    """A zip whose only member is a zip holding the bank: archives are not unpacked twice."""
    return write_zip({"inner.zip": write_zip({"bank.json": _bank()})})


def _zip_empty() -> bytes:
    return write_zip({})


def _qti_manifest_traversal() -> bytes:
    manifest = (
        b'<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"><resources>'
        b'<resource identifier="r1" type="imsqti_item_xmlv2p1" href="../../etc/passwd"/>'
        b"</resources></manifest>"
    )
    return write_zip({"imsmanifest.xml": manifest})


def _qti_image_outside() -> bytes:
    draft = make_draft(uid=UID, markup="html", stem='<img src="../../../etc/passwd" alt="x">')
    return qti.render([draft]).data


def _moodle_billion_laughs() -> bytes:
    entities = "".join(
        f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' if n else '<!ENTITY l0 "lol">' for n in range(10)
    )
    return (
        f'<?xml version="1.0"?><!DOCTYPE quiz [{entities}]>'
        '<quiz><question type="multichoice"><name><text>&l9;</text></name></question></quiz>'
    ).encode()


def _moodle_xxe() -> bytes:
    return (
        b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<quiz><question type="multichoice"><name><text>&x;</text></name></question></quiz>'
    )


def _qti_xxe() -> bytes:
    return (
        b'<?xml version="1.0"?><!DOCTYPE assessmentItem [<!ENTITY x SYSTEM "file:///etc/passwd">'
        b']><assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="q1" '
        b'title="&x;"/>'
    )


def _moodle(encoding: str) -> bytes:
    return f'<?xml version="1.0" encoding="{encoding}"?><quiz></quiz>'.encode()


def _moodle_deep() -> bytes:
    return b"<quiz>" + b"<a>" * 300 + b"</a>" * 300 + b"</quiz>"


def _json_deep() -> bytes:
    return b'{"format": "vignette-bank", "version": 1, "questions": ' + b"[" * 100_000 + b"]}"


def _json_huge_number() -> bytes:
    return b'{"format": "vignette-bank", "version": ' + b"9" * 5000 + b', "questions": []}'


def _bank_with_null() -> bytes:
    return _bank(stem="A 58-year-old man\x00 has chest pain.", discipline="patho\x00logy")


def _csv_null_header() -> bytes:
    return b"stem\x00,option_a,option_b,correct\nWhich?,A,B,A\n"


def _aiken_null() -> bytes:
    return b"Which vitamin deficiency\x00 causes scurvy?\nA. Vitamin C\nB. Vitamin D\nANSWER: A\n"


def _zip_with_symlink() -> bytes:
    image = [{"name": "x.png", "alt": "ECG", "file": "figures/x.png"}]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bank.json", _bank(images=image, stem='<img src="x.png">', markup="html"))
        link = zipfile.ZipInfo("figures/x.png")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    return buffer.getvalue()


def _zip_duplicate() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bank.json", _bank())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # zipfile warns of the duplicate name
            archive.writestr("bank.json", _bank(stem="Another stem."))
    return buffer.getvalue()


def _zip_image_zip() -> bytes:
    image = [{"name": "x.png", "alt": "ECG", "file": "figures/x.png"}]
    return write_zip(
        {
            "bank.json": _bank(images=image, stem='<img src="x.png" alt="ECG">', markup="html"),
            "figures/x.png": write_zip({"x.png": _image("PNG")}),
        }
    )


def _oversized(size: int, head: bytes) -> bytes:
    # Random bytes, so that a zip around them cannot shrink them into a zip bomb's ratio.
    return head + random.Random(size).randbytes(size - len(head))


# --- The corpus -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payload:
    id: str
    filename: str
    build: Callable[[], bytes]
    image: object  # the outcome through the image upload
    upload: object  # the outcome as an import file
    carried: object = None  # the outcome inside an import file (images only)
    format: str = ""  # the format an import names ("": the server tells)
    home: str = "import"  # the paths the sample sends it down: "image", "import", "both"
    build_upload: Callable[[], bytes] | None = None  # what an import gets, if not `build`'s

    @functools.cached_property
    def data(self) -> bytes:
        return self.build()

    @functools.cached_property
    def upload_data(self) -> bytes:
        return self.build_upload() if self.build_upload else self.data


def _carried(name: str, message: str) -> ItemErrors:
    return ItemErrors((f"The image “{name}”: {message}",))


def _image_payload(id, filename, build, image, *, carried=None, upload=None) -> Payload:
    name = "figure." + filename.rsplit(".", 1)[-1]
    if carried is None:
        carried = image if isinstance(image, Cleaned) else _carried(name, image.message)
    return Payload(
        id,
        filename,
        build,
        image=image,
        upload=upload or Refused("format", NO_FORMAT),
        carried=carried,
        home="image",
    )


def _archive_payload(id, filename, build, upload, *, format="native", image=None) -> Payload:
    image = image or _image_refusal(NOT_AN_IMAGE)
    return Payload(id, filename, build, image, upload, format=format)


def _traversal(name: str, problem: str) -> Payload:
    message = f"The archive path '{name}' {problem}; such archives are refused."
    return _archive_payload(
        f"zip-traversal-{name}", "bank.zip", lambda: _zip_with(name, b"{}"), Failed(message)
    )


def _named(id: str, name: str, stored: str) -> Payload:
    """A harmless file under a hostile name: a PNG for the image upload, a bank for imports."""
    return Payload(
        f"name-{id}",
        name,
        lambda: _image("PNG"),
        image=Cleaned("png"),
        upload=Renamed(stored),
        home="both",
        build_upload=_bank,
    )


CLEAN_PNG = Cleaned("png")
CLEAN_JPG = Cleaned("jpg")
CLEAN_GIF = Cleaned("gif")
CLEAN_WEBP = Cleaned("webp")
OVERSIZED_IMAGE = "The image is larger than 5 MB."

PAYLOADS = [
    # Not images at all, under an image's name.
    _image_payload("html-as-png", "figure.png", lambda: HTML, _image_refusal(NOT_AN_IMAGE)),
    _image_payload("html-as-jpg", "figure.jpg", lambda: HTML, _image_refusal(NOT_AN_IMAGE)),
    _image_payload("svg-as-png", "figure.png", lambda: SVG, _image_refusal(NOT_AN_IMAGE)),
    _image_payload("svg", "figure.svg", lambda: SVG, _image_refusal(NOT_AN_IMAGE)),
    _image_payload(
        "php-behind-gif-header",
        "figure.gif",
        lambda: b"GIF89a<?php system($_GET['c']); ?>",
        _image_refusal(NOT_AN_IMAGE),
    ),
    _image_payload(
        "script-behind-png-signature",
        "figure.png",
        lambda: b"\x89PNG\r\n\x1a\n<script>alert(1)</script>",
        _image_refusal(NOT_AN_IMAGE),
    ),
    _image_payload("zip-as-png", "figure.png", _zip_nested, _image_refusal(NOT_AN_IMAGE)),
    # Images of kinds the bank does not take; PostScript would run in Ghostscript.
    _image_payload("bmp-as-png", "figure.png", lambda: _image("BMP"), _image_refusal(NOT_ALLOWED)),
    _image_payload(
        "tiff-as-jpg", "figure.jpg", lambda: _image("TIFF"), _image_refusal(NOT_ALLOWED)
    ),
    _image_payload("eps-as-png", "figure.png", _eps, _image_refusal(NOT_ALLOWED)),
    # Polyglots: real images with script after their end or in their metadata.
    _image_payload(
        "gif-then-script",
        "figure.gif",
        lambda: _image("GIF") + b"<script>alert('gif-after')</script>",
        CLEAN_GIF,
    ),
    _image_payload(
        "gif-comment-script",
        "figure.gif",
        lambda: _image("GIF", comment=b"<script>alert('gif-comment')</script>"),
        CLEAN_GIF,
    ),
    _image_payload("gif-javascript-header", "figure.gif", _gif_js_header, CLEAN_GIF),
    _image_payload(
        "gif-then-zip",
        "figure.gif",
        lambda: _image("GIF") + write_zip({"Evil.class": b"\xca\xfe\xba\xbe"}),
        CLEAN_GIF,
    ),
    _image_payload("jpeg-then-html", "figure.jpg", lambda: _image("JPEG") + HTML, CLEAN_JPG),
    _image_payload(
        "jpeg-comment-script",
        "figure.jpg",
        lambda: _image("JPEG", comment=b"<script>alert('jpeg-comment')</script>"),
        CLEAN_JPG,
    ),
    _image_payload("png-text-script", "figure.png", _png_with_text, CLEAN_PNG),
    _image_payload("png-then-html", "figure.png", lambda: _image("PNG") + HTML, CLEAN_PNG),
    _image_payload(
        "webp-xmp-script",
        "figure.webp",
        lambda: _image("WEBP", xmp=b"<x:xmpmeta><script>alert('webp-xmp')</script></x:xmpmeta>"),
        CLEAN_WEBP,
    ),
    # Pixel floods: small files that claim a huge size.
    _image_payload(
        "png-pixel-flood",
        "figure.png",
        lambda: _png_claiming(5000, 5000),
        _image_refusal("The image has 5000 × 5000 pixels; the limit is 16,000,000 pixels in all."),
    ),
    _image_payload(
        "png-decompression-bomb",
        "figure.png",
        lambda: _png_claiming(100_000, 100_000),
        _image_refusal(NOT_AN_IMAGE),
    ),
    _image_payload(
        "gif-pixel-flood",
        "figure.gif",
        lambda: _gif_claiming(5000, 4000),
        _image_refusal("The image has 5000 × 4000 pixels; the limit is 16,000,000 pixels in all."),
    ),
    _image_payload(
        "gif-decompression-bomb",
        "figure.gif",
        lambda: _gif_claiming(65535, 65535),
        _image_refusal(NOT_AN_IMAGE),
    ),
    _image_payload(
        "jpeg-pixel-flood",
        "figure.jpg",
        lambda: _jpeg_claiming(4001, 4000),
        _image_refusal("The image has 4001 × 4000 pixels; the limit is 16,000,000 pixels in all."),
    ),
    _image_payload(
        "jpeg-decompression-bomb",
        "figure.jpg",
        lambda: _jpeg_claiming(65500, 65500),
        _image_refusal(NOT_AN_IMAGE),
    ),
    # Broken and empty images.
    _image_payload(
        "truncated-png", "figure.png", lambda: _image("PNG")[:60], _image_refusal(DAMAGED)
    ),
    _image_payload(
        "truncated-jpeg",
        "figure.jpg",
        lambda: _image("JPEG")[:200],
        _image_refusal(DAMAGED),
    ),
    _image_payload(
        "truncated-gif", "figure.gif", lambda: _image("GIF")[:30], _image_refusal(NOT_AN_IMAGE)
    ),
    _image_payload(
        "zero-bytes",
        "figure.png",
        lambda: b"",
        Refused("file", EMPTY),
        carried=_carried("figure.png", NOT_AN_IMAGE),
        upload=Refused("file", EMPTY),
    ),
    _image_payload(
        "oversized-image",
        "figure.png",
        lambda: _oversized(5 * MB + 1, b"\x89PNG\r\n\x1a\n"),
        Refused("file", OVERSIZED_IMAGE),
        carried=_carried("figure.png", OVERSIZED_IMAGE),
    ),
    # Archives: names that leave the folder they are unpacked into.
    _traversal("../evil.json", "climbs out of its folder with '..'"),
    _traversal("figures/../../evil.json", "climbs out of its folder with '..'"),
    _traversal("/etc/cron.d/evil.json", "is absolute"),
    _traversal("C:/Windows/evil.json", "is absolute"),
    _traversal("C:evil.json", "is absolute"),
    _traversal("..\\..\\evil.json", "contains a backslash"),
    _traversal("figures\\evil.json", "contains a backslash"),
    # Archives: bombs, and what zip readers trip on.
    _archive_payload(
        "zip-bomb-ratio",
        "bank.zip",
        _zip_bomb_ratio,
        Failed(
            "The archive member 'figures/x.png' expands 1,024 times (more than 100:1), "
            "as a zip bomb does."
        ),
    ),
    _archive_payload(
        "zip-bomb-total",
        "bank.zip",
        _zip_bomb_total,
        Failed("The archive expands to 201.0 MB; the limit is 200.0 MB."),
    ),
    _archive_payload(
        "zip-lying-size",
        "bank.zip",
        _zip_lying_size,
        Failed("The file is not a readable zip archive: Bad CRC-32 for file 'bank.json'."),
    ),
    _archive_payload(
        "zip-overlapping-entries",
        "bank.zip",
        _zip_overlapping,
        Failed(
            "The file is not a readable zip archive: File name in directory 'evil.json' and "
            "header b'bank.json' differ."
        ),
    ),
    _archive_payload(
        "zip-symlink",
        "bank.zip",
        lambda: _zip_with_symlink(),
        Failed("The archive member 'figures/x.png' is a symbolic link."),
    ),
    _archive_payload(
        "zip-duplicate-member",
        "bank.zip",
        lambda: _zip_duplicate(),
        Failed("The archive holds 'bank.json' twice."),
    ),
    _archive_payload(
        "zip-encrypted",
        "bank.zip",
        _zip_encrypted,
        Failed("The archive member 'bank.json' is encrypted."),
    ),
    _archive_payload(
        "zip-corrupt-deflate",
        "bank.zip",
        _zip_corrupt_deflate,
        Failed(
            "The file is not a readable zip archive: Error -3 while decompressing data: "
            "invalid distance too far back."
        ),
    ),
    _archive_payload(
        "zip-corrupt-lzma",
        "bank.zip",
        _zip_corrupt_lzma,
        Failed("The file is not a readable zip archive: Corrupt input data."),
    ),
    _archive_payload(
        "zip-unknown-method",
        "bank.zip",
        _zip_unknown_method,
        Failed("The file is not a readable zip archive: That compression method is not supported."),
    ),
    _archive_payload(
        "zip-future-version",
        "bank.zip",
        _zip_future_version,
        Refused("format", NO_FORMAT),
        format="",
    ),
    _archive_payload(
        "zip-future-version-named-native",
        "bank.zip",
        _zip_future_version,
        Failed("The file is not a readable zip archive: zip file version 25.5."),
    ),
    _archive_payload(
        "zip-bad-directory-offset",
        "bank.zip",
        _zip_bad_directory_offset,
        Failed("The file is not a readable zip archive: negative seek value -999999484."),
    ),
    _archive_payload(
        "zip-bad-utf8-name",
        "bank.zip",
        _zip_bad_utf8_name,
        Failed(
            "The file is not a readable zip archive: 'utf-8' codec can't decode byte 0xff in "
            "position 4: invalid start byte."
        ),
    ),
    _archive_payload(
        "zip-truncated",
        "bank.zip",
        lambda: _zip_deflated("bank.json", _bank())[:80],
        Failed("The file is not a readable zip archive: File is not a zip file."),
    ),
    _archive_payload(
        "zip-nested", "bank.zip", _zip_nested, Refused("format", NO_FORMAT), format=""
    ),
    _archive_payload(
        "zip-nested-named-native",
        "bank.zip",
        _zip_nested,
        Failed("The archive must hold exactly one .json bank file; found none."),
    ),
    _archive_payload(
        "zip-image-is-a-zip",
        "bank.zip",
        _zip_image_zip,
        ItemErrors(("The image “x.png”: This file is not an image we can read.",)),
    ),
    _archive_payload("zip-empty", "bank.zip", _zip_empty, Refused("format", NO_FORMAT), format=""),
    _archive_payload(
        "html-renamed-zip", "bank.zip", lambda: HTML, Refused("format", NO_FORMAT), format=""
    ),
    _archive_payload(
        "qti-manifest-traversal",
        "package.zip",
        _qti_manifest_traversal,
        ItemErrors(
            (
                "Item 1 (../../etc/passwd): the manifest lists '../../etc/passwd', which is not in "
                "the zip.",
            )
        ),
        format="",
    ),
    _archive_payload(
        "qti-image-outside",
        "package.zip",
        _qti_image_outside,
        ItemErrors(
            ("Item 1 (item-1): the image '../../../etc/passwd' points outside the package.",)
        ),
        format="",
    ),
    # XML: entities, an unreadable encoding, nesting.
    _archive_payload(
        "moodle-billion-laughs", "quiz.xml", _moodle_billion_laughs, Failed(DTD), format=""
    ),
    _archive_payload("moodle-xxe", "quiz.xml", _moodle_xxe, Failed(DTD), format=""),
    _archive_payload("qti-xxe", "item.xml", _qti_xxe, Failed(DTD), format="qti"),
    _archive_payload(
        "moodle-utf7",
        "quiz.xml",
        lambda: _moodle("UTF-7"),
        Failed(
            "The file declares an encoding that cannot be read: multi-byte encodings are not "
            "supported."
        ),
        format="moodle",
    ),
    _archive_payload(
        "moodle-unknown-encoding",
        "quiz.xml",
        lambda: _moodle("rot13"),
        Failed(
            "The file declares an encoding that cannot be read: 'rot13' is not a text encoding; "
            "use codecs.decode() to handle arbitrary codecs."
        ),
        format="moodle",
    ),
    _archive_payload(
        "moodle-deep",
        "quiz.xml",
        _moodle_deep,
        Failed("The file nests elements more than 200 levels deep."),
        format="",
    ),
    # Text formats: what parsers and databases trip on.
    _archive_payload(
        "json-deep",
        "bank.json",
        _json_deep,
        Failed("The file nests lists or objects too deeply to be a bank."),
        format="",
    ),
    _archive_payload(
        "json-huge-number",
        "bank.json",
        _json_huge_number,
        Failed("The file holds a number with thousands of digits."),
        format="",
    ),
    _archive_payload(
        "json-null-characters",
        "bank.json",
        _bank_with_null,
        ItemErrors(("Unknown discipline “patho\ufffdlogy”. Null characters are not allowed.",)),
        format="",
    ),
    _archive_payload(
        "json-long-identifier",
        "bank.json",
        lambda: _bank(external_id="q" * 300),
        ItemErrors(("The identifier may have at most 255 characters; this one has 300.",)),
        format="",
    ),
    _archive_payload(
        "csv-null-header",
        "questions.csv",
        _csv_null_header,
        Failed(
            "Unknown column 'stem\ufffd' in the header; the columns are: "
            f"{', '.join(csv_format.HEADER)}."
        ),
        format="",
    ),
    _archive_payload(
        "png-renamed-csv",
        "questions.csv",
        lambda: _image("PNG"),
        image=Cleaned("png"),
        upload=Failed(
            "The file is not UTF-8 (invalid start byte at byte 0); save it as “CSV UTF-8” and "
            "upload it again."
        ),
        format="",
    ),
    _archive_payload(
        "gift-not-utf8",
        "questions.gift",
        lambda: b"::Q1:: Which \xff\xfe vitamin? {=C ~D}\n",
        Failed("The file is not UTF-8 text: invalid start byte at byte 13."),
        format="",
    ),
    _archive_payload(
        "gift-null-characters",
        "questions.gift",
        lambda: b"::Q1:: Which vitamin\x00 deficiency causes scurvy? {=C ~D}\n",
        ItemErrors(
            (
                "Choose the exam. Choose the discipline. Choose the system. "
                "Null characters are not allowed.",
            )
        ),
        format="",
    ),
    _archive_payload(
        "aiken-null-characters",
        "questions.txt",
        _aiken_null,
        ItemErrors(
            (
                "Choose the exam. Choose the discipline. Choose the system. "
                "Null characters are not allowed.",
            )
        ),
        format="",
    ),
    _archive_payload(
        "html-as-json", "bank.json", lambda: HTML, Refused("format", NO_FORMAT), format=""
    ),
    _archive_payload(
        "svg-as-xml", "quiz.xml", lambda: SVG, Refused("format", NO_FORMAT), format=""
    ),
    _archive_payload(
        "zero-byte-bank",
        "bank.json",
        lambda: b"",
        Refused("file", EMPTY),
        format="",
        image=Refused("file", EMPTY),
    ),
    Payload(
        "oversized-import",
        "bank.json",
        lambda: _oversized(50 * MB + 1, b'{"format": "vignette-bank", '),
        image=Refused("file", OVERSIZED_IMAGE),
        upload=Refused("file", "The file is larger than 50 MB."),
    ),
    # Harmless files under hostile names.
    _named("null", "figure\x00.png", "figure.png"),
    _named("controls", "fig\x01\x1b[31mure\x7f.json", "fig[31mure.json"),
    _named("traversal", "../../../etc/passwd.json", "passwd.json"),
    _named("windows-path", "..\\..\\Windows\\win.ini.json", "win.ini.json"),
    _named("markup", "<img src=x onerror=alert(1)>.json", "<img src=x onerror=alert(1)>.json"),
    _named("right-to-left", "figure\u202egnp.json", "figuregnp.json"),
    _named("very-long", "x" * 800 + ".png", "x" * 251 + ".png"),
    Payload(
        "name-beyond-the-header-limit",
        "x" * 2000 + ".png",
        lambda: _image("PNG"),
        image=Unparsable("Multipart form parse error - Request max total header size exceeded."),
        upload=Unparsable("Multipart form parse error - Request max total header size exceeded."),
        home="both",
        build_upload=_bank,
    ),
]


# --- Carrying an image inside an import file --------------------------------------------------


def _carrying_draft(name: str, data: bytes):
    return make_draft(
        uid=UID,
        markup="html",
        stem=f'<p>The ECG:</p><p><img src="{name}" alt="ECG"></p>',
        images=[ImageDraft(name=name, data=data, alt="ECG")],
    )


def _native_zip(name: str, data: bytes) -> tuple[str, bytes]:
    bank = json.loads(native.render([_carrying_draft(name, b"")]).data)
    bank["questions"][0]["images"] = [{"name": name, "alt": "ECG", "file": f"figures/{name}"}]
    return "bank.zip", write_zip({"bank.json": json.dumps(bank).encode(), f"figures/{name}": data})


def _rendered(filename: str, render) -> Callable[[str, bytes], tuple[str, bytes]]:
    return lambda name, data: (filename, render([_carrying_draft(name, data)]).data)


CARRIERS: dict[str, Callable[[str, bytes], tuple[str, bytes]]] = {
    "native-json": _rendered("bank.json", native.render),
    "native-zip": _native_zip,
    "qti-package": _rendered("package.zip", qti.render),
    "moodle-xml": _rendered("quiz.xml", moodle.render),
}


# --- The paths --------------------------------------------------------------------------------


def _multipart(fields: dict[str, str], filename: str, data: bytes) -> tuple[bytes, str]:
    """A multipart body written by hand: the test client would strip the file name's folders,
    and a browser or script sends whatever name it likes."""
    boundary = uuid.uuid4().hex
    kind = mimetypes.guess_type(filename.replace("\x00", ""))[0] or "application/octet-stream"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: {kind}\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    return b"".join(
        parts
    ) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class Uploader:
    """The author's four ways to send a file, each as a browser or client would; signed in
    before anything is counted, since signing in writes a session."""

    def __init__(self, author, token: str, capture: Callable):
        self.author = author
        self.capture = capture
        self.api = APIClient()
        self.api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        self.page = Client(enforce_csrf_checks=True)
        self.page.force_login(author)
        editor = self.page.get(reverse("questions:new"))
        # The editor's upload box posts to the image endpoint, as its script does.
        assert f'data-image-upload data-url="{reverse("images")}"'.encode() in editor.content
        self.csrf_token = self.page.cookies["csrftoken"].value

    def image_api(self, filename: str, data: bytes):
        body, kind = _multipart({"alt": "ECG"}, filename, data)
        return self.api.post(reverse("images"), body, content_type=kind)

    def image_editor(self, filename: str, data: bytes):
        body, kind = _multipart({"alt": "ECG"}, filename, data)
        return self.page.post(
            reverse("images"), body, content_type=kind, HTTP_X_CSRFTOKEN=self.csrf_token
        )

    def import_api(self, filename: str, data: bytes, format: str = ""):
        body, kind = _multipart({"format": format, "source": "hostile"}, filename, data)
        with self.capture(execute=True):
            return self.api, self.api.post(reverse("imports"), body, content_type=kind)

    def import_page(self, filename: str, data: bytes, format: str = ""):
        fields = {"csrfmiddlewaretoken": self.csrf_token, "format": format, "source": "hostile"}
        body, kind = _multipart(fields, filename, data)
        with self.capture(execute=True):
            response = self.page.post(reverse("questions:import_new"), body, content_type=kind)
        return self.page, response

    def confirm(self, client, job: ImportJob, *, only_valid: bool):
        with self.capture(execute=True):
            if client is self.api:
                return client.post(
                    reverse("import_confirm", args=[job.public_id]),
                    {"only_valid": only_valid},
                    format="json",
                )
            form = {"csrfmiddlewaretoken": self.csrf_token}
            if only_valid:
                form["only_valid"] = "on"
            return client.post(reverse("questions:import", args=[job.public_id]), form)


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "uploading"
    (tmp_path / "uploading").mkdir()


@pytest.fixture
def uploader(author, django_capture_on_commit_callbacks):
    _, secret = account_services.api_token_create(user=author, name="uploads")
    return Uploader(author, secret, django_capture_on_commit_callbacks)


def _stored(settings) -> tuple[dict[str, int], dict[str, bytes]]:
    """The row count of every table, and every file of the media storage by its path."""
    counts = {
        model._meta.label_lower: model.objects.count()
        for model in apps.get_models(include_auto_created=True)
    }
    media = Path(settings.MEDIA_ROOT)
    files = {
        str(path.relative_to(media)): path.read_bytes()
        for path in sorted(media.rglob("*"))
        if path.is_file()
    }
    return counts, files


def _added(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {label: after[label] - before[label] for label in after if after[label] != before[label]}


# --- Checking what came back and what was stored ----------------------------------------------

STORED_NAME = re.compile(r"questions/[0-9a-f]{32}\.(png|jpg|gif|webp)")
KINDS = {"png": "PNG", "jpg": "JPEG", "gif": "GIF", "webp": "WEBP"}
HOSTILE_BYTES = (b"<script", b"<html", b"<svg", b"<?php", b"alert(", b"onload", b"pk\x03\x04")


def _assert_clean_image(image: QuestionImage, extension: str) -> None:
    """A re-encoded image: a server-made name, its own kind, nothing after its end, no script."""
    data = Path(image.file.path).read_bytes()
    assert STORED_NAME.fullmatch(image.file.name)
    assert (image.extension, image.file.name.rsplit(".", 1)[-1]) == (extension, extension)
    with Image.open(io.BytesIO(data)) as decoded:
        assert decoded.format == KINDS[extension]
        decoded.load()
    ends = {
        "png": lambda: data.endswith(_png_chunk(b"IEND", b"")),
        "jpg": lambda: data.endswith(b"\xff\xd9"),
        "gif": lambda: data.endswith(b";"),
        "webp": lambda: struct.unpack("<I", data[4:8])[0] == len(data) - 8,
    }
    assert ends[extension]()
    assert [marker for marker in HOSTILE_BYTES if marker in data.lower()] == []


def _assert_unparsable(response, outcome: Unparsable, *, api: bool) -> None:
    assert response.status_code == 400
    if api:
        error = response.json()["error"]
        assert (error["code"], error["message"]) == ("parse_error", outcome.message)
    else:
        assert b"<title>Bad request" in response.content


def _job(response) -> ImportJob:
    if response.status_code == 302:
        return ImportJob.objects.get(public_id=response.url.rstrip("/").rsplit("/", 1)[-1])
    return ImportJob.objects.get(public_id=response.json()["public_id"])


def _check_image_path(send, payload: Payload, outcome, settings):
    before, files = _stored(settings)

    response = send(payload.filename, payload.data)

    after, files_after = _stored(settings)
    assert response.status_code < 500
    if isinstance(outcome, Unparsable):
        _assert_unparsable(response, outcome, api=True)
        assert (_added(before, after), files_after) == ({}, files)
        return
    if isinstance(outcome, Refused):
        assert (response.status_code, response.json()) == (
            400,
            {
                "error": {
                    "code": "invalid",
                    "message": outcome.summary,
                    "fields": {outcome.field: [outcome.message]},
                }
            },
        )
        assert (_added(before, after), files_after) == ({}, files)
        return
    image = QuestionImage.objects.get()
    assert (response.status_code, response.json()) == (
        201,
        {
            "public_id": str(image.public_id),
            "url": image.file.url,
            "width": image.width,
            "height": image.height,
            "alt": "ECG",
            "markdown": f"![ECG]({image.file.url})",
        },
    )
    assert _added(before, after) == {"questions.questionimage": 1}
    assert sorted(files_after) == sorted([*files, image.file.name])
    _assert_clean_image(image, outcome.extension)


# What a carried image that is accepted adds: the job, the question and its first version with
# four options, its tag, and the image.
IMPORTED = {
    "questions.importjob": 1,
    "questions.question": 1,
    "questions.question_tags": 1,
    "questions.questionimage": 1,
    "questions.questionversion": 1,
    "questions.option": 4,
    "questions.tag": 1,
}


def _check_import_path(uploader, route: str, filename, data, format, outcome, settings):
    before, files = _stored(settings)

    client, response = getattr(uploader, route)(filename, data, format)

    assert response.status_code < 500
    if isinstance(outcome, Unparsable):
        _assert_unparsable(response, outcome, api=route == "import_api")
        after, files_after = _stored(settings)
        assert (_added(before, after), files_after) == ({}, files)
        return
    if isinstance(outcome, Refused):
        if route == "import_api":
            assert (response.status_code, response.json()) == (
                400,
                {
                    "error": {
                        "code": "invalid",
                        "message": outcome.summary,
                        "fields": {outcome.field: [outcome.message]},
                    }
                },
            )
        else:
            assert response.status_code == 400
            assert response.context["form"].errors == {outcome.field: [outcome.message]}
        after, files_after = _stored(settings)
        assert (_added(before, after), files_after) == ({}, files)
        return
    assert response.status_code == (201 if route == "import_api" else 302)
    job = _job(response)
    assert (job.created_by, job.source) == (uploader.author, "hostile")
    shown = client.get(reverse("import", args=[job.public_id]) if route == "import_api" else
                       reverse("questions:import", args=[job.public_id]))  # fmt: skip
    assert shown.status_code == 200
    if isinstance(outcome, Failed):
        assert (job.status, job.message, bytes(job.data)) == ("failed", outcome.message, b"")
        if route == "import_page":
            assert escape(outcome.message).encode() in shown.content
        else:
            assert (shown.json()["status"], shown.json()["message"]) == ("failed", outcome.message)
        after, files_after = _stored(settings)
        assert (_added(before, after), files_after) == ({"questions.importjob": 1}, files)
        return
    if isinstance(outcome, Renamed):
        assert (job.status, job.filename) == ("analysed", outcome.filename)
        assert job.report["counts"]["create"] == 1
        after, files_after = _stored(settings)
        assert (_added(before, after), files_after) == ({"questions.importjob": 1}, files)
        return
    assert job.status == "analysed"
    if isinstance(outcome, ItemErrors):
        errors = len(outcome.messages)
        assert job.report["counts"] == {
            "create": 0, "update": 0, "unchanged": 0, "error": errors, "skipped": 0,
        }  # fmt: skip
        assert [item["message"] for item in job.report["items"]] == list(outcome.messages)
        refused = uploader.confirm(client, job, only_valid=False)
        assert refused.status_code == (409 if route == "import_api" else 400)
        forced = uploader.confirm(client, job, only_valid=True)
        assert forced.status_code == (200 if route == "import_api" else 302)
        job.refresh_from_db()
        assert (job.status, job.report["result"]["create"]) == ("done", 0)
        after, files_after = _stored(settings)
        assert (_added(before, after), files_after) == ({"questions.importjob": 1}, files)
        return
    assert isinstance(outcome, Cleaned)
    assert job.report["counts"]["create"] == 1
    confirmed = uploader.confirm(client, job, only_valid=False)
    assert confirmed.status_code == (200 if route == "import_api" else 302)
    job.refresh_from_db()
    assert job.status == "done"
    after, files_after = _stored(settings)
    image = QuestionImage.objects.get()
    assert _added(before, after) == IMPORTED
    assert sorted(files_after) == sorted([*files, image.file.name])
    _assert_clean_image(image, outcome.extension)
    version = Question.objects.get().latest_version
    assert f'<img src="{image.file.url}" alt="ECG">' in version.stem_html


# --- The cases --------------------------------------------------------------------------------

IMAGE_ROUTES = ("image_api", "image_editor")
IMPORT_ROUTES = ("import_api", "import_page")


def _direct_cases() -> list[tuple[str, Payload]]:
    if FULL:
        return [(route, p) for p in PAYLOADS for route in (*IMAGE_ROUTES, *IMPORT_ROUTES)]
    # Each payload once, down one of its own paths, taking the paths in turn.
    homes = {
        "image": IMAGE_ROUTES,
        "import": IMPORT_ROUTES,
        "both": (*IMAGE_ROUTES, *IMPORT_ROUTES),
    }
    return [(homes[p.home][n % len(homes[p.home])], p) for n, p in enumerate(PAYLOADS)]


def _carried_cases() -> list[tuple[str, str, Payload]]:
    carried = [p for p in PAYLOADS if p.carried is not None]
    if FULL:
        return [(r, c, p) for p in carried for c in CARRIERS for r in IMPORT_ROUTES]
    pairs = [(r, c) for c in CARRIERS for r in IMPORT_ROUTES]
    return [(*pairs[n % len(pairs)], p) for n, p in enumerate(carried)]


@pytest.mark.parametrize(
    ("route", "payload"),
    _direct_cases(),
    ids=[f"{route}-{payload.id}" for route, payload in _direct_cases()],
)
def test_hostile_file_is_refused_and_nothing_is_stored(uploader, settings, route, payload):
    if route in IMAGE_ROUTES:
        _check_image_path(getattr(uploader, route), payload, payload.image, settings)
    else:
        _check_import_path(
            uploader, route, payload.filename, payload.upload_data, payload.format, payload.upload,
            settings,
        )  # fmt: skip
    assert list(Path(settings.FILE_UPLOAD_TEMP_DIR).iterdir()) == []


@pytest.mark.parametrize(
    ("route", "carrier", "payload"),
    _carried_cases(),
    ids=[f"{route}-{carrier}-{payload.id}" for route, carrier, payload in _carried_cases()],
)
def test_hostile_image_inside_an_import_is_refused_and_nothing_is_stored(
    uploader, settings, route, carrier, payload
):
    name = "figure." + payload.filename.rsplit(".", 1)[-1]
    filename, data = CARRIERS[carrier](name, payload.data)

    _check_import_path(uploader, route, filename, data, "", payload.carried, settings)

    assert list(Path(settings.FILE_UPLOAD_TEMP_DIR).iterdir()) == []


def test_corpus_covers_every_kind_of_hostile_file():
    ids = {payload.id for payload in PAYLOADS}

    assert len(ids) == len(PAYLOADS)
    assert {type(p.image) for p in PAYLOADS} == {Refused, Cleaned, Unparsable}
    assert {type(p.upload) for p in PAYLOADS} == {
        Refused, Failed, ItemErrors, Renamed, Unparsable,
    }  # fmt: skip
    assert {type(p.carried) for p in PAYLOADS} == {type(None), ItemErrors, Cleaned}


# --- Every byte of an archive or an image may be wrong ------------------------------------------

MUTATIONS = 3000 if FULL else 300


def _mutated(data: bytes, rng: random.Random) -> bytes:
    """The data with a few bytes changed, dropped or inserted."""
    mutated = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(mutated))
        roll = rng.random()
        if roll < 0.7:
            mutated[at] = rng.randrange(256)
        elif roll < 0.85:
            del mutated[at : at + rng.randint(1, 8)]
        else:
            mutated[at:at] = rng.randbytes(rng.randint(1, 8))
    return bytes(mutated)


def _seed_archives() -> dict[str, bytes]:
    bank = _bank()
    archives = {"deflated": write_zip({"bank.json": bank, "figures/x.png": _image("PNG")})}
    for name, method in [("stored", zipfile.ZIP_STORED), ("bzip2", zipfile.ZIP_BZIP2),
                         ("lzma", zipfile.ZIP_LZMA)]:  # fmt: skip
        archives[name] = _zip_deflated("bank.json", bank, method)
    return archives


@pytest.mark.parametrize("seed", ["deflated", "stored", "bzip2", "lzma"])
def test_damaged_archive_is_a_format_error_never_a_crash(seed):
    rng = random.Random(seed)
    data = _seed_archives()[seed]
    crashes = []

    for _ in range(MUTATIONS):
        mutated = _mutated(data, rng)
        try:
            detect("bank.zip", mutated)
            read_zip(mutated)
            FORMATS["native"].parse(ImportSource("bank.zip", mutated))
        except FormatError:
            pass
        except Exception as exc:
            crashes.append((type(exc).__name__, str(exc)[:80]))

    assert crashes == []


@pytest.mark.parametrize("kind", ["PNG", "JPEG", "GIF", "WEBP"])
def test_damaged_image_is_refused_never_a_crash(kind):
    rng = random.Random(kind)
    data = _image(kind)
    crashes = []

    for _ in range(MUTATIONS):
        try:
            image_clean(_mutated(data, rng))
        except InvalidInput:
            pass
        except Exception as exc:
            crashes.append((type(exc).__name__, str(exc)[:80]))

    assert crashes == []


@pytest.mark.parametrize(
    "encoding", ["UTF-7", "UTF-32", "Shift_JIS", "rot13", "base64", "idna", "UBF-8"]
)
@pytest.mark.parametrize("file_format", ["moodle", "qti"])
def test_xml_in_an_encoding_that_cannot_be_read_is_a_format_error(file_format, encoding):
    root = "<quiz></quiz>" if file_format == "moodle" else "<assessmentItem/>"
    data = f'<?xml version="1.0" encoding="{encoding}"?>{root}'.encode()

    with pytest.raises(FormatError) as refused:
        FORMATS[file_format].parse(ImportSource("file.xml", data))

    assert str(refused.value).startswith("The file declares an encoding that cannot be read: ")


def test_image_comment_does_not_survive_reencoding():
    comment = b"<script>alert('comment')</script> Patient: Jane Doe"
    uploads = {
        "gif": _image("GIF", comment=comment),
        "jpg": _image("JPEG", comment=comment),
    }

    stored = {kind: image_clean(data).data for kind, data in uploads.items()}

    assert {kind: comment in data for kind, data in uploads.items()} == {"gif": True, "jpg": True}
    assert {kind: b"Jane Doe" in data for kind, data in stored.items()} == {
        "gif": False,
        "jpg": False,
    }


def test_transparent_gif_keeps_its_transparency():
    image = Image.new("P", (4, 4), 0)
    image.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    out = io.BytesIO()
    image.save(out, "GIF", transparency=0)

    stored = image_clean(out.getvalue()).data

    with Image.open(io.BytesIO(stored)) as decoded:
        assert decoded.info["transparency"] == 0
