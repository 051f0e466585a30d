"""Weekly volume of a trend as a small static SVG bar chart (no script, no external resource).

The chart is shown as an ``<img>`` that the theme scales down to the text column (``max-width:
100%``). On a 390-pixel-wide phone that column is about 350 CSS px, so text of ``FONT_SIZE`` units in
a viewBox ``WIDTH`` units wide renders at 14 * 350 / 400 = 12.25 px, above the 11 px below which
labels stop being readable. Every label's place is computed from an estimated text width
(``text_width``), so labels neither overlap nor leave the viewBox, whatever the number of weeks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from xml.sax.saxutils import escape, quoteattr

from papers.i18n import Texts

WIDTH = 400  # viewBox width, also the intrinsic width: on a desktop column the chart is 400 px wide
FONT_SIZE = 14  # viewBox units; 12.25 CSS px when the chart is scaled to a 350 px phone column
CHAR_WIDTH = 0.6  # estimated advance per character, in em: generous for digits and Latin letters
DESCENT = 0.3  # em below the baseline that a label may reach (descenders of "p", "y", "(")
PAD = 10  # blank margin around everything
ROW = FONT_SIZE + 8  # baseline-to-baseline distance of the text rows above the plot
SWATCH = 12  # side of a legend's colour square
SWATCH_GAP = 6  # between a swatch and its label
ITEM_GAP = 18  # between two legend items on one row, and the least gap between the two end dates
PLOT_HEIGHT = 110  # height of the tallest bar
CURRENT, BEFORE = "#1565c0", "#90a4ae"  # bars of this window, and of the window before (paler)
INK = "#333"


def text_width(label: str, size: float = FONT_SIZE) -> float:
    """Estimated width of ``label`` set at ``size`` units (``CHAR_WIDTH`` em per character)."""
    return len(label) * CHAR_WIDTH * size


def weekly_svg(
    weekly: Sequence[tuple[str, int]], title: str, window_start: str, texts: Texts | None = None
) -> str:
    """Bars per week (ISO date of its Monday → documents); weeks before ``window_start`` are paler.

    ``title`` becomes the chart's accessible name and the totals of both windows its description;
    all text is escaped, so any text is safe. The chart's own words are in the language of ``texts``
    (default English), and so are the days of the first and last week under the axis.
    """
    tr = texts or Texts()
    current = sum(n for week, n in weekly if week >= window_start)
    before = sum(n for week, n in weekly if week < window_start)
    start = _day(window_start, tr)
    inner = WIDTH - 2 * PAD
    legend = _legend(
        [
            (CURRENT, tr.gettext("this window, from %(date)s") % {"date": start}),
            (BEFORE, tr.gettext("the window before")),
        ]
    )
    rows = 1 + max(row for row, _, _, _ in legend)
    peak_baseline = PAD + FONT_SIZE + rows * ROW + 6  # under the legend, a little apart from it
    plot_top = peak_baseline + DESCENT * FONT_SIZE + 4
    axis = plot_top + PLOT_HEIGHT
    date_baseline = axis + 4 + FONT_SIZE
    height = math.ceil(date_baseline + DESCENT * FONT_SIZE + PAD)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-label={quoteattr(title)} '
        'font-family="sans-serif">',
        f"<title>{escape(title)}</title>",
        "<desc>"
        + escape(
            tr.ngettext(
                "%(num)d document in this window (from %(date)s), %(before)d in the window before.",
                "%(num)d documents in this window (from %(date)s), %(before)d in the window before.",
                current,
            )
            % {"num": current, "date": start, "before": before}
        )
        + "</desc>",
    ]
    for row, x, colour, label in legend:
        baseline = PAD + FONT_SIZE + row * ROW
        parts.append(
            f'<rect x="{_n(x)}" y="{_n(baseline - SWATCH + 1)}" width="{SWATCH}" height="{SWATCH}" '
            f'fill="{colour}"/>'
        )
        parts.append(_text(x + SWATCH + SWATCH_GAP, baseline, label))
    parts.append(
        f'<line x1="{PAD}" y1="{_n(axis)}" x2="{WIDTH - PAD}" y2="{_n(axis)}" '
        'stroke="#666" stroke-width="1"/>'
    )
    if not weekly:
        parts.append(_text(WIDTH / 2, axis - PLOT_HEIGHT / 2, tr.gettext("no weeks to show"), "middle"))
    else:
        peak = max(n for _, n in weekly)
        parts.append(
            _text(PAD, peak_baseline, _fit(tr.gettext("%(peak)d per week (max)") % {"peak": peak}, inner))
        )
        step = inner / len(weekly)
        for n, (week, value) in enumerate(weekly):
            bar = PLOT_HEIGHT * value / (peak or 1)
            colour = CURRENT if week >= window_start else BEFORE
            parts.append(
                f'<rect x="{_n(PAD + n * step + 1)}" y="{_n(axis - bar)}" width="{_n(max(step - 2, 1))}" '
                f'height="{_n(bar)}" fill="{colour}"><title>{escape(week)}: {value}</title></rect>'
            )
        first = _fit(_day(weekly[0][0], tr), inner)
        parts.append(_text(PAD, date_baseline, first))
        last = _day(weekly[-1][0], tr)
        # The last week's date only where it is another week and fits beside the first one.
        if len(weekly) > 1 and text_width(first) + ITEM_GAP + text_width(last) <= inner:
            parts.append(_text(WIDTH - PAD, date_baseline, last, "end"))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _legend(items: list[tuple[str, str]]) -> list[tuple[int, float, str, str]]:
    """(row, x, colour, label) of each legend item: side by side while they fit, else on a new row."""
    inner = WIDTH - 2 * PAD
    placed: list[tuple[int, float, str, str]] = []
    row, x = 0, float(PAD)
    for colour, label in items:
        label = _fit(label, inner - SWATCH - SWATCH_GAP)
        width = SWATCH + SWATCH_GAP + text_width(label)
        if x > PAD and x + width > WIDTH - PAD:
            row, x = row + 1, float(PAD)
        placed.append((row, x, colour, label))
        x += width + ITEM_GAP
    return placed


def _fit(label: str, width: float) -> str:
    """``label``, cut short with an ellipsis where it would be wider than ``width``."""
    if text_width(label) <= width:
        return label
    keep = max(int(width / (CHAR_WIDTH * FONT_SIZE)) - 1, 0)
    return label[:keep] + "…"


def _text(x: float, baseline: float, label: str, anchor: str = "start") -> str:
    return (
        f'<text x="{_n(x)}" y="{_n(baseline)}" font-size="{FONT_SIZE}" fill="{INK}" '
        f'text-anchor="{anchor}">{escape(label)}</text>'
    )


def _day(iso: str, tr: Texts) -> str:
    """An ISO day as the language writes it in a table (unchanged in English, or if it is no day)."""
    try:
        return tr.short_date(date.fromisoformat(iso))
    except ValueError:
        return iso


def _n(value: float) -> str:
    """A coordinate with at most one decimal, and none where it is whole: short, stable output."""
    return f"{round(value, 1):g}"
