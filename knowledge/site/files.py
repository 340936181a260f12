"""Photos and attachments of site records: recognised by their content, stored outside the web root, thumbnailed.

A photo must decode as a JPEG, PNG or WebP image (Pillow reads it; the name and the declared type are ignored);
an attachment may also be a PDF. Images are re-encoded for the thumbnail only; the original is kept as uploaded
(it is evidence) under a generated name.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from knowledge.plans.files import safe_display_name
from knowledge.site.errors import SiteFileError

MIB = 1024 * 1024
MAX_PHOTO_BYTES = 15 * MIB
MAX_FILES = 10
# A phone photo is at most ~50 megapixels; beyond that the file is a decompression bomb, not a photo.
MAX_PIXELS = 80_000_000
THUMB_SIZE = (320, 320)

IMAGE_TYPES = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
PDF = ("pdf", "application/pdf")
_STORED_NAME = re.compile(r"[0-9a-f]{32}(?:\.thumb)?\.(?:jpg|png|webp|pdf)")

NOT_IMAGE_MESSAGE = "“{name}”不是图片：只接受JPEG、PNG或WebP格式的照片"
NOT_ATTACHMENT_MESSAGE = "“{name}”不是图片或PDF：附件只接受JPEG、PNG、WebP图片或PDF文件"


@dataclass(frozen=True)
class Upload:
    """A file as received: its bytes and the name the browser gave."""

    data: bytes
    name: str


@dataclass(frozen=True)
class CheckedFile:
    original_name: str
    extension: str
    content_type: str
    size: int
    sha256: str
    data: bytes
    width: int = 0
    height: int = 0

    @property
    def is_image(self) -> bool:
        return self.extension != PDF[0]


def check_photo(upload: Upload) -> CheckedFile:
    """:raises SiteFileError: empty, too large, or not a JPEG/PNG/WebP image by its content."""
    name = safe_display_name(upload.name)
    _check_size(upload.data, name)
    found = _image(upload.data)
    if found is None:
        raise SiteFileError(NOT_IMAGE_MESSAGE.format(name=name))
    (extension, content_type), (width, height) = found
    return _checked(upload.data, name, extension, content_type, width, height)


def check_attachment(upload: Upload) -> CheckedFile:
    """A photo, or a PDF (a signed briefing sheet, a rectification report). :raises SiteFileError: otherwise."""
    name = safe_display_name(upload.name)
    _check_size(upload.data, name)
    if upload.data[:1024].lstrip().startswith(b"%PDF-"):
        return _checked(upload.data, name, *PDF, 0, 0)
    found = _image(upload.data)
    if found is None:
        raise SiteFileError(NOT_ATTACHMENT_MESSAGE.format(name=name))
    (extension, content_type), (width, height) = found
    return _checked(upload.data, name, extension, content_type, width, height)


def check_all(uploads: list[Upload], *, photos_only: bool) -> list[CheckedFile]:
    """Every file checked before any is stored, so a bad one leaves nothing half-saved."""
    if len(uploads) > MAX_FILES:
        raise SiteFileError(f"一次最多上传{MAX_FILES}个文件")
    check = check_photo if photos_only else check_attachment
    return [check(u) for u in uploads if u.data]


def store(checked: CheckedFile, directory: str | Path) -> tuple[str, str | None]:
    """Write the file (and a JPEG thumbnail for an image) under generated names; returns both names."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    stem = uuid.uuid4().hex
    stored = f"{stem}.{checked.extension}"
    _write(folder / stored, checked.data)
    if not checked.is_image:
        return stored, None
    thumb = f"{stem}.thumb.jpg"
    _write(folder / thumb, thumbnail(checked.data))
    return stored, thumb


def thumbnail(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        image.thumbnail(THUMB_SIZE)
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=80)
        return out.getvalue()


def stored_path(directory: str | Path, stored_name: str) -> Path:
    """The path of a stored file; only names ``store`` generates are accepted (no traversal)."""
    if not isinstance(stored_name, str) or not _STORED_NAME.fullmatch(stored_name):
        raise SiteFileError("无效的文件名")
    return Path(directory) / stored_name


def _check_size(data: bytes, name: str) -> None:
    if not data:
        raise SiteFileError(f"“{name}”是空文件")
    if len(data) > MAX_PHOTO_BYTES:
        raise SiteFileError(f"“{name}”超过{MAX_PHOTO_BYTES // MIB}MB")


def _image(data: bytes) -> tuple[tuple[str, str], tuple[int, int]] | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = IMAGE_TYPES.get(image.format or "")
                size = image.size
                if kind is None or size[0] * size[1] > MAX_PIXELS:
                    return None
                image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):  # fmt: skip
        return None
    return kind, size


def _checked(
    data: bytes, name: str, extension: str, content_type: str, width: int, height: int
) -> CheckedFile:
    return CheckedFile(
        original_name=name, extension=extension, content_type=content_type, size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), data=data, width=width, height=height,
    )  # fmt: skip


def _write(path: Path, data: bytes) -> None:
    temp = path.with_name(f".{path.name}.part")
    temp.write_bytes(data)
    temp.replace(path)
