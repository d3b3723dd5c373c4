import io
import struct
import zlib

import pytest
from PIL import Image

from apps.core.errors import InvalidInput
from apps.questions import services
from apps.questions.models import QuestionImage
from tests.questions.conftest import png_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size: a decompression bomb's shape."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_image_store_reencodes_under_a_server_made_name(author):
    jpeg = io.BytesIO()
    image = Image.new("RGB", (30, 20), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010E] = "patient: Jane Doe"  # ImageDescription
    image.save(jpeg, "JPEG", exif=exif)

    stored = services.image_store(user=author, data=jpeg.getvalue(), alt="A blue square")

    assert stored.file.name.startswith("questions/")
    assert stored.file.name.endswith(".jpg")
    assert (stored.width, stored.height, stored.extension) == (30, 20, "jpg")
    with Image.open(stored.file.path) as saved:
        assert dict(saved.getexif()) == {}


def test_image_store_same_bytes_twice_stores_once(author):
    data = png_bytes()

    first = services.image_store(user=author, data=data, alt="red")
    second = services.image_store(user=author, data=data, alt="red")

    assert first == second
    assert QuestionImage.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "This file is not an image we can read."),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "This file is not an image we can read."),
        (png_bytes(fmt="BMP"), "Use a PNG, JPEG, WebP or GIF image."),
        (png_bytes()[:60], "The image file is damaged or incomplete."),
        (
            _png_claiming(5000, 5000),
            "The image has 5000 × 5000 pixels; the limit is 16,000,000 pixels in all.",
        ),
        (_png_claiming(100_000, 100_000), "This file is not an image we can read."),
        (b"\x89PNG" + b"\x00" * (5 * 1024 * 1024), "The image is larger than 5 MB."),
    ],
    ids=["html", "svg", "bmp", "truncated", "too-many-pixels", "bomb", "oversized"],
)
def test_image_store_refuses_what_is_not_a_safe_image(author, data, message):
    with pytest.raises(InvalidInput) as refused:
        services.image_store(user=author, data=data, alt="x")

    assert refused.value.fields == {"file": [message]}
    assert QuestionImage.objects.count() == 0


def test_image_upload_api_stores_and_refuses(api_as, author):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client = api_as(author)

    stored = client.post(
        reverse("images"),
        {"file": SimpleUploadedFile("a.png", png_bytes()), "alt": "A red square"},
        format="multipart",
    )
    refused = client.post(
        reverse("images"),
        {"file": SimpleUploadedFile("x.png", b"<svg onload=alert(1)>"), "alt": "x"},
        format="multipart",
    )

    image = QuestionImage.objects.get()
    assert stored.status_code == 201
    assert stored.json() == {
        "public_id": str(image.public_id),
        "url": image.file.url,
        "width": 40,
        "height": 30,
        "alt": "A red square",
        "markdown": f"![A red square]({image.file.url})",
    }
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {"file": ["This file is not an image we can read."]}
