"""An article's social card: the 1200×630 PNG that link previews show, with its title, stage and the site's name.

Pillow draws it, and Pillow's ``ImageText`` wraps the title; we try smaller sizes ourselves, since
``wrap(scaling="shrink")`` measures the line height of the starting size while it shrinks. The font is
Inter Bold (SIL Open Font License), committed under ``site/static/fonts/`` with its licence, and
laid out with Pillow's basic engine: a system font (DejaVu on one machine, none on another) or an
optional shaping library would make the same article's card differ between CI and a user's server.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageText

FONT_FILE = Path(__file__).resolve().parents[3] / "site" / "static" / "fonts" / "Inter-Bold.otf"
# Changes whenever the drawing does (layout, colours, font), so every card gets a new name.
DESIGN_VERSION = "1"
WIDTH, HEIGHT = 1200, 630
MARGIN = 80
TITLE_TOP = 176
TITLE_HEIGHT = 292  # three lines at the largest size, four at the smallest
RULE_Y = 506
SITE_NAME_BASELINE = HEIGHT - 64
TITLE_SIZES = (76, 52)  # largest, smallest
TITLE_SPACING = 14
LABEL_SIZE = 30
TEXT_WIDTH = WIDTH - 2 * MARGIN
PAPER, INK, BRAND, ON_BRAND, LINE = "#f5f7f9", "#1b1f24", "#0b5cad", "#ffffff", "#d0d7de"
ELLIPSIS = "…"


@dataclass(frozen=True)
class SocialCard:
    """What an article's card shows; equal cards draw the same picture."""

    title: str
    stage: str  # the stage as prospects see it ("Getting started"), or "" for an article without one
    site_name: str

    @property
    def digest(self) -> str:
        """A short hash of everything drawn, to name the PNG: a new title, stage, site name or design, a new name."""
        drawn = "\0".join((DESIGN_VERSION, self.title, self.stage, self.site_name))
        return hashlib.sha256(drawn.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class TitleLayout:
    lines: tuple[str, ...]
    size: int
    complete: bool  # False when even the smallest size could not show the whole title


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT_FILE, size, layout_engine=ImageFont.Layout.BASIC)


def _title_text(title: str, size: int) -> ImageText.Text[str]:
    return ImageText.Text(title, _font(size), spacing=TITLE_SPACING)


def fit_title(title: str) -> TitleLayout:
    """The title's lines on the card: wrapped at the largest size that shows it whole, else cut with "…"."""
    largest, smallest = TITLE_SIZES
    title = " ".join(title.split())
    for size in range(largest, smallest - 1, -2):
        text = _title_text(title, size)
        try:
            rest = text.wrap(TEXT_WIDTH, TITLE_HEIGHT)
        except ValueError:  # a word wider than the card at this size
            continue
        if rest is None:
            return TitleLayout(tuple(str(text.text).split("\n")), size, True)
    return _cut_title(title, smallest)


def _cut_title(title: str, size: int) -> TitleLayout:
    text = _title_text(title, size)
    try:
        text.wrap(TEXT_WIDTH, TITLE_HEIGHT)
        lines = str(text.text).split("\n")
    except ValueError:  # a single word wider than the card
        lines = [title]
    last = _within(lines[-1].rstrip(" ,;:-") + ELLIPSIS, _font(size), TEXT_WIDTH)
    return TitleLayout((*lines[:-1], last), size, False)


def _within(text: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    """``text`` on one line, cut with "…" where it is wider than ``width``."""
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + ELLIPSIS) > width:
        text = text[:-1]
    return text.rstrip(" ,;:-") + ELLIPSIS


def draw_card(card: SocialCard) -> bytes:
    """The card as PNG bytes."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 16, HEIGHT), fill=BRAND)
    label = _font(LABEL_SIZE)
    if card.stage:
        stage = _within(card.stage, label, TEXT_WIDTH - 48)
        width = label.getlength(stage)
        draw.rounded_rectangle((MARGIN, MARGIN, MARGIN + width + 48, MARGIN + 60), radius=30, fill=BRAND)
        draw.text((MARGIN + 24, MARGIN + 30), stage, fill=ON_BRAND, font=label, anchor="lm")
    layout = fit_title(card.title)
    title = _title_text("\n".join(layout.lines), layout.size)
    draw.text((MARGIN, TITLE_TOP), title, fill=INK)
    draw.line((MARGIN, RULE_Y, WIDTH - MARGIN, RULE_Y), fill=LINE, width=2)
    draw.text((MARGIN, SITE_NAME_BASELINE), _within(card.site_name, label, TEXT_WIDTH), fill=BRAND, font=label,
              anchor="ls")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


class CardFolder:
    """Drawn cards on disk, one file per digest: a card is drawn once, the first time it is asked for."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def path_for(self, card: SocialCard) -> Path:
        """The card's PNG file, drawn now if it is not there yet."""
        path = self.directory / f"{card.digest}.png"
        if not path.is_file():
            self.directory.mkdir(parents=True, exist_ok=True)
            # Written aside, then renamed: a reader at the same moment sees the whole file or none.
            handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".part")
            with os.fdopen(handle, "wb") as out:
                out.write(draw_card(card))
            os.replace(temporary, path)
        return path
