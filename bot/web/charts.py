"""Charts as SVG, drawn on the server (no script, no CDN): competency scores, and totals over time.

The geometry is computed here; the markup comes from autoescaping templates in
templates/charts/, so every name in a chart is escaped. Each chart is an ``role="img"`` with a
text alternative; the pages show the same numbers in text or a table beside it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from jinja2 import Environment
from markupsafe import Markup

from actions.messages import t

WIDTH = 560
BAR_AREA = 480  # pixels for a score of 100; the number goes to the right of the bar
ROW = 48
LABEL_GAP = 6
HISTORY_HEIGHT = 220
HISTORY_MARGIN = (40, 16, 24, 28)  # left, right, top, bottom


def colour(score: int) -> str:
    """Green, amber or red, each dark enough to stand out from white (WCAG non-text contrast >= 3:1)."""
    if score >= 70:
        return "#2e7d32"
    if score >= 40:
        return "#a85d00"
    return "#c62828"


@dataclass(frozen=True)
class Bar:
    label: str
    score: int
    y: int
    width: float
    colour: str


def competency_alt(scores: Sequence[tuple[str, int]], language: str) -> str:
    """The chart's text alternative: every competency with its score."""
    return t(language, "web_chart_alt", scores=", ".join(f"{name} {score}" for name, score in scores))


def competency_chart(env: Environment, scores: Sequence[tuple[str, int]], language: str) -> Markup:
    """Horizontal bars, one per competency (name above its bar, the score after it)."""
    title, description = t(language, "web_chart_title"), competency_alt(scores, language)
    bars = [Bar(name, score, index * ROW, max(score, 0) / 100 * BAR_AREA, colour(score))
            for index, (name, score) in enumerate(scores)]
    return Markup(env.get_template("charts/competencies.svg").render(
        bars=bars, title=title, description=description, width=WIDTH, height=max(len(bars), 1) * ROW + 8,
        label_gap=LABEL_GAP, track=BAR_AREA))


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    score: int
    label: str  # shown as the point's tooltip


def history_chart(env: Environment, totals: Sequence[tuple[str, int]], language: str) -> Markup:
    """Total scores of finished attempts, oldest first (label, total), as points joined by a line on a 0-100 scale."""
    title = t(language, "web_history_title")
    description = t(language, "web_history_alt", totals=", ".join(str(score) for _, score in totals))
    left, right, top, bottom = HISTORY_MARGIN
    plot_w, plot_h = WIDTH - left - right, HISTORY_HEIGHT - top - bottom
    step = plot_w / max(len(totals) - 1, 1)
    points = [Point(left + (index * step if len(totals) > 1 else plot_w / 2), top + plot_h * (1 - score / 100),
                    score, label) for index, (label, score) in enumerate(totals)]
    ticks = [(score, top + plot_h * (1 - score / 100)) for score in (0, 25, 50, 75, 100)]
    return Markup(env.get_template("charts/history.svg").render(
        points=points, ticks=ticks, title=title, description=description, width=WIDTH, height=HISTORY_HEIGHT,
        left=left, right=WIDTH - right, line=" ".join(f"{p.x:.1f},{p.y:.1f}" for p in points)))


SERIES_COLOURS = ("#1a4d8f", "#2e7d32", "#a85d00", "#c62828", "#6a1b9a", "#00695c", "#4e342e")


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    points: list[Point]
    line: str


def series_chart(env: Environment, dates: Sequence[str], series: dict[str, list[int | None]], title: str,
                 description: str) -> Markup:
    """Several 0-100 scores over the same attempts (one line per name, a legend below), like history_chart."""
    left, right, top, bottom = HISTORY_MARGIN
    plot_w, plot_h = WIDTH - left - right, HISTORY_HEIGHT - top - bottom
    step = plot_w / max(len(dates) - 1, 1)
    drawn = []
    for number, (name, scores) in enumerate(series.items()):
        points = [Point(left + (i * step if len(dates) > 1 else plot_w / 2), top + plot_h * (1 - s / 100), s,
                        f"{dates[i]} {name}: {s}") for i, s in enumerate(scores) if s is not None]
        drawn.append(Series(name, SERIES_COLOURS[number % len(SERIES_COLOURS)], points,
                            " ".join(f"{p.x:.1f},{p.y:.1f}" for p in points)))
    ticks = [(score, top + plot_h * (1 - score / 100)) for score in (0, 25, 50, 75, 100)]
    return Markup(env.get_template("charts/series.svg").render(
        series=drawn, ticks=ticks, title=title, description=description, width=WIDTH, height=HISTORY_HEIGHT,
        legend_top=HISTORY_HEIGHT, total_height=HISTORY_HEIGHT + 20 * len(drawn) + 8, left=left, right=WIDTH - right))
