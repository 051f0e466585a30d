"""Weekly volume of a trend as a small static SVG bar chart (no script, no external resource)."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

WIDTH, HEIGHT, MARGIN = 640, 200, 30


def weekly_svg(weekly: Sequence[tuple[str, int]], title: str, window_start: str) -> str:
    """Bars per week (ISO date of its Monday → documents); weeks before ``window_start`` are paler.

    ``title`` becomes the chart's accessible name; it is escaped, so any text is safe.
    """
    count = max(len(weekly), 1)
    peak = max((n for _, n in weekly), default=0) or 1
    step = (WIDTH - 2 * MARGIN) / count
    plot = HEIGHT - 2 * MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label={quoteattr(title)}>',
        f"<title>{escape(title)}</title>",
        f'<line x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}" y2="{HEIGHT - MARGIN}" '
        'stroke="#666" stroke-width="1"/>',
        f'<text x="{MARGIN}" y="{MARGIN - 10}" font-size="12" fill="#333">{peak} per week (max)</text>',
    ]
    for n, (week, value) in enumerate(weekly):
        height = plot * value / peak
        x = MARGIN + n * step
        colour = "#1565c0" if week >= window_start else "#90a4ae"
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{HEIGHT - MARGIN - height:.1f}" width="{max(step - 2, 1):.1f}" '
            f'height="{height:.1f}" fill="{colour}"><title>{escape(week)}: {value}</title></rect>'
        )
    if weekly:
        for x, label in ((MARGIN, weekly[0][0]), (WIDTH - MARGIN, weekly[-1][0])):
            anchor = "start" if x == MARGIN else "end"
            parts.append(
                f'<text x="{x}" y="{HEIGHT - MARGIN + 16}" font-size="12" fill="#333" '
                f'text-anchor="{anchor}">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
