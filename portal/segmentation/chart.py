"""A line chart as plain SVG coordinates: the CSP forbids inline styles and scripts, so the
server draws it and CSS classes colour the lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

WIDTH, HEIGHT, PAD = 640, 240, 32
PALETTE = 8  # .series-0 … .series-7 in portal.css


@dataclass(frozen=True)
class Line:
    name: str
    points: str
    css: str
    last: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    lines: list[Line]
    labels: list[tuple[float, str]]
    top: int


def line_chart(moments: list[datetime], series: dict[str, list[int]]) -> Chart:
    top = max([max(values) for values in series.values() if values] + [1])
    step = (WIDTH - 2 * PAD) / max(len(moments) - 1, 1)

    def y(value: int) -> float:
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * value / top

    lines = [
        Line(
            name,
            " ".join(f"{PAD + i * step:.1f},{y(v):.1f}" for i, v in enumerate(values)),
            f"series-{n % PALETTE}",
            values[-1],
        )
        for n, (name, values) in enumerate(sorted(series.items()))
        if any(values)
    ]
    labels = [(PAD + i * step, m.strftime("%m-%d")) for i, m in enumerate(moments) if i % 3 == 0]
    return Chart(WIDTH, HEIGHT, lines, labels, top)
