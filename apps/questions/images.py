"""Uploaded images: proven real by decoding, limited in size, re-encoded without metadata."""

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from apps.core.errors import InvalidInput

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 16_000_000  # e.g. 4000 × 4000
ALLOWED = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}
KEEP_INFO = ("transparency", "background")


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    extension: str
    width: int
    height: int


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, fields={"file": [message]})


def image_clean(data: bytes) -> CleanImage:
    """Decode the upload fully and write a new file of the same kind with no metadata."""
    image, kind = _decode(data)
    return CleanImage(_encode(image, kind), ALLOWED[kind], image.width, image.height)


def image_check(data: bytes) -> None:
    """Refuse, as image_clean does, what is not a safe image, without writing a new file."""
    _decode(data)


def _decode(data: bytes) -> tuple[Image.Image, str]:
    if len(data) > MAX_BYTES:
        raise _refuse(f"The image is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        with warnings.catch_warnings():
            # Pillow warns, then errors, on huge images; we refuse them ourselves first.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format
                width, height = probe.size
                if kind not in ALLOWED:
                    raise _refuse("Use a PNG, JPEG, WebP or GIF image.")
                if width * height > MAX_PIXELS:
                    raise _refuse(
                        f"The image has {width} × {height} pixels; the limit is "
                        f"{MAX_PIXELS:,} pixels in all."
                    )
                probe.load()
                image = probe.copy()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse("This file is not an image we can read.") from None
    except (OSError, SyntaxError, ValueError):
        raise _refuse("The image file is damaged or incomplete.") from None
    # Pillow writes what `info` holds back into the new file (a GIF's or JPEG's comment, which
    # may carry markup or a patient's name); only what drawing the pixels needs is kept.
    image.info = {key: image.info[key] for key in KEEP_INFO if key in image.info}
    return image, kind


def _encode(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    if kind == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=90, optimize=True)
    elif kind == "GIF":
        image.save(out, "GIF")
    elif kind == "WEBP":
        image.save(out, "WEBP", quality=90)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()
