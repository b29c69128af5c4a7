"""Finds media files behind image URLs and reads their pixel size from the file header.

Written by hand rather than with Pillow: PNG, GIF, JPEG and SVG sizes sit in the first
bytes of the file, and a few lines here avoid an image library as a dependency.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

_SVG_TAG = re.compile(rb"<svg\b[^>]*>", re.IGNORECASE | re.DOTALL)
_SVG_LENGTH = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(?:px)?\s*$")
_JPEG_FRAME_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


@dataclass(frozen=True)
class MediaLibrary:
    """The media directory and the URL prefix it is served under."""

    directory: Path
    url_prefix: str = "/media/"

    def path_for(self, url: str) -> Path | None:
        """The file a local media URL names, or None for other URLs and escapes from the directory."""
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path.startswith(self.url_prefix):
            return None
        name = unquote(parts.path[len(self.url_prefix) :])
        if not name or any(part in ("", ".", "..") for part in name.split("/")):
            return None
        return self.directory / name

    def size_of(self, url: str) -> tuple[int, int] | None:
        """Width and height in pixels of the image at ``url``, if it is local and readable."""
        path = self.path_for(url)
        if path is None:
            return None
        try:
            with path.open("rb") as handle:
                head = handle.read(64 * 1024)
        except OSError:
            return None
        return image_size(head)


def image_size(head: bytes) -> tuple[int, int] | None:
    """Width and height from the first bytes of a PNG, GIF, JPEG or SVG file."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        width, height = struct.unpack(">II", head[16:24])
        return _positive(width, height)
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        width, height = struct.unpack("<HH", head[6:10])
        return _positive(width, height)
    if head.startswith(b"\xff\xd8"):
        return _jpeg_size(head)
    return _svg_size(head)


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    offset = 2
    while offset + 9 <= len(data):
        if data[offset] != 0xFF:
            return None
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte before a marker
            offset += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            offset += 2
            continue
        (length,) = struct.unpack(">H", data[offset + 2 : offset + 4])
        if marker in _JPEG_FRAME_MARKERS:
            height, width = struct.unpack(">HH", data[offset + 5 : offset + 9])
            return _positive(width, height)
        offset += 2 + length
    return None


def _svg_size(data: bytes) -> tuple[int, int] | None:
    match = _SVG_TAG.search(data)
    if match is None:
        return None
    tag = match.group(0).decode("utf-8", "replace")
    attrs = {name.lower(): value for name, _, value in re.findall(r"([\w:-]+)\s*=\s*([\"'])(.*?)\2", tag)}
    width = _svg_length(attrs.get("width"))
    height = _svg_length(attrs.get("height"))
    if width and height:
        return _positive(round(width), round(height))
    numbers = re.split(r"[\s,]+", attrs.get("viewbox", "").strip())
    if len(numbers) == 4:
        try:
            box_width, box_height = float(numbers[2]), float(numbers[3])
        except ValueError:
            return None
        if box_width <= 0 or box_height <= 0:
            return None
        if width:
            return _positive(round(width), round(width * box_height / box_width))
        if height:
            return _positive(round(height * box_width / box_height), round(height))
        return _positive(round(box_width), round(box_height))
    return None


def _svg_length(value: str | None) -> float | None:
    if value is None:
        return None
    match = _SVG_LENGTH.match(value)
    return float(match.group(1)) if match else None


def _positive(width: int, height: int) -> tuple[int, int] | None:
    return (width, height) if width > 0 and height > 0 else None
