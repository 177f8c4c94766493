"""Evidence photos reduced on attach: a phone photo of 4000x3000 becomes at most 2000 px on its long
side, JPEG quality 85, so the store and every automatic copy stay small. PDF scans are kept as
they are. The original's SHA-256 and size are kept in the record beside the stored file's."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from desktop_app.domain.errors import ValidationError

MAX_SIDE = 2000
JPEG_QUALITY = 85
MAX_PIXELS = 80_000_000  # a photo, not a decompression bomb
MAX_READ = 64 * 1024 * 1024  # the largest picture file read at all (it is stored reduced)


@dataclass(frozen=True)
class Stored:
    """What goes into the store: the bytes, their type and name; and what the original was."""

    content: bytes
    media_type: str
    file_name: str
    original_sha256: str
    original_size: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def reduced(self) -> bool:
        return self.sha256 != self.original_sha256


def reduce(content: bytes, media_type: str, file_name: str) -> Stored:
    """The form a photo is stored in: unchanged when it is small enough (and for PDFs), else reduced.

    Raises:
        ValidationError: the picture cannot be read (named in Chinese).
    """
    original = Stored(content, media_type, file_name, hashlib.sha256(content).hexdigest(), len(content))
    if not media_type.startswith("image/"):
        return original
    from PIL import Image, ImageOps, UnidentifiedImageError  # when a photo is attached, not at start-up
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the size is checked below
        try:
            opened = Image.open(io.BytesIO(content))
        except Image.DecompressionBombError as exc:
            raise ValidationError(f"“{file_name}”的像素太多，不像一张照片") from exc
        except (UnidentifiedImageError, OSError):
            return original  # not decodable here (a format variant Pillow lacks): kept as it is, never lost
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = opened
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(f"“{file_name}”有{image.width}×{image.height}像素，太大，不像一张照片")
            if max(image.size) <= MAX_SIDE:
                return original
            image = ImageOps.exif_transpose(image)  # the photo upright, as the phone showed it
            image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
            if image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
            if media_type == "image/png":  # a scan of a page may be smaller as a PNG: keep the smaller
                png = io.BytesIO()
                image.save(png, "PNG", optimize=True)
                if png.tell() < out.tell():
                    return Stored(png.getvalue(), media_type, file_name, original.original_sha256,
                                  original.original_size)
    except (OSError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(f"无法读取图片“{file_name}”：文件不完整或已损坏") from exc
    name = file_name if file_name.lower().endswith((".jpg", ".jpeg")) else f"{file_name.rsplit('.', 1)[0]}.jpg"
    return Stored(out.getvalue(), "image/jpeg", name, original.original_sha256, original.original_size)
