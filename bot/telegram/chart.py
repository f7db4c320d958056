"""The debrief's competency chart: a PNG of horizontal bars, sized for a phone.

Drawn with matplotlib's Agg backend (no display, no network) and its bundled DejaVu Sans,
which has Latin and Greek letters. A Figure is made per chart (no pyplot state), so charts
can be drawn in worker threads.
"""
from __future__ import annotations

import textwrap
from io import BytesIO
from typing import Mapping

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402 - after choosing the backend

LABEL_CHARS = 26
FONT = "DejaVu Sans"


def _colour(score: int) -> str:
    if score >= 70:
        return "#2e7d32"  # green
    if score >= 40:
        return "#f9a825"  # amber
    return "#c62828"  # red


def competency_chart(scores: Mapping[str, int], title: str) -> bytes:
    """``scores``: competency name -> 0-100, in the order to show them."""
    names = [textwrap.fill(name, LABEL_CHARS) for name in scores]
    values = list(scores.values())
    rows = sum(name.count("\n") + 1 for name in names)
    figure = Figure(figsize=(6.4, 1.2 + 0.33 * rows + 0.25 * len(values)), dpi=150)
    axes = figure.subplots()
    positions = range(len(values))
    axes.barh(positions, values, color=[_colour(v) for v in values], height=0.6)
    axes.set_yticks(list(positions), names, fontsize=9, fontfamily=FONT)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xticks([0, 25, 50, 75, 100])
    axes.tick_params(axis="x", labelsize=8)
    for position, value in zip(positions, values):
        inside = value >= 88  # a long bar carries its number inside, in white
        axes.text(value - 1.5 if inside else value + 1.5, position, str(value), va="center",
                  ha="right" if inside else "left", color="white" if inside else "black",
                  fontsize=9, fontweight="bold", fontfamily=FONT)
    axes.set_title(title, fontsize=11, fontfamily=FONT)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    buffer = BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
