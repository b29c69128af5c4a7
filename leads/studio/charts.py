"""Chart geometry for the studio's server-drawn SVG: numbers in, rectangles out; the templates draw them.

Drawn by hand rather than with a chart library: the CSP forbids inline style and script, which most
libraries need, and two chart kinds (bars and columns) are a few lines of arithmetic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 400
LABEL_HEIGHT = 16
BAR_HEIGHT = 14
ROW_GAP = 8


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    label_y: float
    y: float
    width: float
    value_x: float


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int


def bar_chart(rows: Sequence[tuple[str, int]], width: int = WIDTH) -> BarChart:
    """Horizontal bars, one per row, each under its label, scaled to the largest value."""
    top = max((value for _, value in rows), default=0) or 1
    room = width - 60  # leaves space for the number after the longest bar
    bars, y = [], 0.0
    for label, value in rows:
        bar_width = round(room * value / top, 1)
        bars.append(Bar(label, value, y + LABEL_HEIGHT - 4, y + LABEL_HEIGHT, bar_width, bar_width + 6))
        y += LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    return BarChart(bars, width, max(int(y), 1))


@dataclass(frozen=True)
class Column:
    day: dt.date
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class ColumnChart:
    columns: list[Column]
    width: int
    height: int
    top: int
    ticks: list[Column]  # the columns whose day is written under the axis


def column_chart(values: Sequence[tuple[dt.date, int]], width: int = WIDTH, height: int = 120) -> ColumnChart:
    """One column per day, scaled to the busiest day; the first, middle and last days are labelled."""
    top = max((value for _, value in values), default=0)
    step = width / max(len(values), 1)
    columns = [Column(day, value, round(n * step, 2), round(height - height * value / (top or 1), 2),
                      round(max(step - 1, 0.5), 2), round(height * value / (top or 1), 2))
               for n, (day, value) in enumerate(values)]
    ticks = [columns[i] for i in sorted({0, len(columns) // 2, len(columns) - 1})] if columns else []
    return ColumnChart(columns, width, height, top, ticks)
