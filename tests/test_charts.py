"""The weekly chart: a legend for both windows, labels readable on a phone, nothing overlapping or
leaving the viewBox, and any text escaped.

Text extents are estimated here on their own (not with the module's helper), generously: 0.6 em per
character, the em above the baseline and 0.3 em below it. Chromium sets these labels in its default
sans-serif font narrower than that, so a chart that passes has room to spare.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from papers.charts import weekly_svg
from papers.i18n import Texts
from papers.sitecheck import svg_problems

SVG = "{http://www.w3.org/2000/svg}"
WINDOW_START = "2026-04-01"
PHONE_COLUMN = 350  # CSS px of MkDocs Material's text column on a 390-px-wide phone
MIN_PX = 11  # smallest text that stays readable there
CHAR_EM, ASCENT_EM, DESCENT_EM = 0.6, 1.0, 0.3

Box = tuple[float, float, float, float]  # left, top, right, bottom


def weeks(count: int, first: date = date(2026, 1, 5)) -> list[tuple[str, int]]:
    """``count`` Mondays from ``first`` with uneven counts, the last ones in the current window."""
    return [((first + timedelta(weeks=k)).isoformat(), (k * 7) % 11 + (k % 3)) for k in range(count)]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def view_box(root: ET.Element) -> tuple[float, float, float, float]:
    x, y, width, height = (float(v) for v in root.attrib["viewBox"].split())
    return x, y, width, height


def text_box(text: ET.Element) -> Box:
    size = float(text.attrib["font-size"])
    x, y = float(text.attrib["x"]), float(text.attrib["y"])
    width = len(text.text or "") * CHAR_EM * size
    anchor = text.get("text-anchor", "start")
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return left, y - ASCENT_EM * size, left + width, y + DESCENT_EM * size


def rect_box(rect: ET.Element) -> Box:
    x, y = float(rect.attrib["x"]), float(rect.attrib["y"])
    return x, y, x + float(rect.attrib["width"]), y + float(rect.attrib["height"])


def overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def texts(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(f"{SVG}text"))


def bars(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]


def swatches(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is None]


def legend_colour(root: ET.Element, label: str) -> str:
    """The fill of the swatch just left of the legend label ``label``, on the same line."""
    [text] = [t for t in texts(root) if t.text == label]
    left, top, _, bottom = text_box(text)
    beside = [
        s
        for s in swatches(root)
        if 0 <= left - rect_box(s)[2] <= 10 and top <= rect_box(s)[1] and rect_box(s)[3] <= bottom
    ]
    assert len(beside) == 1, f"no single swatch beside {label!r}"
    return beside[0].attrib["fill"]


def test_legend_names_both_windows_in_the_colours_of_their_bars() -> None:
    weekly = weeks(26)
    root = parse(weekly_svg(weekly, "Documents per week: X", WINDOW_START))
    current = legend_colour(root, f"this window, from {WINDOW_START}")
    before = legend_colour(root, "the window before")
    assert current != before
    drawn = bars(root)
    assert len(drawn) == len(weekly)
    for (week, _), bar in zip(weekly, drawn, strict=True):
        assert bar.attrib["fill"] == (current if week >= WINDOW_START else before), week
    assert {b.attrib["fill"] for b in drawn} == {current, before}  # both windows are on show


@pytest.mark.parametrize("count", [0, 1, 26])
def test_legend_is_there_whatever_the_weeks(count: int) -> None:
    root = parse(weekly_svg(weeks(count), "T", WINDOW_START))
    assert legend_colour(root, f"this window, from {WINDOW_START}")
    assert legend_colour(root, "the window before")


@pytest.mark.parametrize("count", [0, 1, 26, 104])
def test_text_is_readable_on_a_phone(count: int) -> None:
    root = parse(weekly_svg(weeks(count), "T", WINDOW_START))
    _, _, width, height = view_box(root)
    # The intrinsic size is the viewBox's, so the page knows the aspect ratio before loading it.
    assert (float(root.attrib["width"]), float(root.attrib["height"])) == (width, height)
    assert texts(root)
    for text in texts(root):
        px = float(text.attrib["font-size"]) * PHONE_COLUMN / width
        assert px >= MIN_PX, f"{text.text!r} renders at {px:.1f} px on a phone"


@pytest.mark.parametrize("count", [0, 1, 2, 26, 104])
@pytest.mark.parametrize("window_start", [WINDOW_START, "x" * 200])
@pytest.mark.parametrize("language", ["en", "de"])
def test_labels_stay_inside_and_apart(count: int, window_start: str, language: str) -> None:
    root = parse(weekly_svg(weeks(count), "T" * 300, window_start, Texts(language)))
    x0, y0, width, height = view_box(root)
    boxes = [(t.text, text_box(t)) for t in texts(root)]
    for label, (left, top, right, bottom) in boxes:
        assert x0 <= left and right <= x0 + width, f"{label!r} leaves the viewBox sideways"
        assert y0 <= top and bottom <= y0 + height, f"{label!r} leaves the viewBox up or down"
    for i, (label, box) in enumerate(boxes):
        for other, other_box in boxes[i + 1 :]:
            assert not overlap(box, other_box), f"{label!r} overlaps {other!r}"
        for rect in root.iter(f"{SVG}rect"):
            assert not overlap(box, rect_box(rect)), f"{label!r} overlaps a bar or swatch"
    for rect in root.iter(f"{SVG}rect"):
        left, top, right, bottom = rect_box(rect)
        assert x0 <= left and right <= x0 + width and y0 <= top and bottom <= y0 + height


@pytest.mark.parametrize("count", [2, 26, 104])
def test_both_end_dates_are_labelled(count: int) -> None:
    weekly = weeks(count)
    labels = {t.text for t in texts(parse(weekly_svg(weekly, "T", WINDOW_START)))}
    assert {weekly[0][0], weekly[-1][0]} <= labels


def test_a_single_week_is_dated_once() -> None:
    [(week, _)] = weekly = weeks(1)
    labels = [t.text for t in texts(parse(weekly_svg(weekly, "T", WINDOW_START)))]
    assert labels.count(week) == 1


def test_peak_label_and_empty_chart() -> None:
    weekly = [("2026-03-23", 4), ("2026-03-30", 9), ("2026-04-06", 2)]
    labels = [t.text for t in texts(parse(weekly_svg(weekly, "T", WINDOW_START)))]
    assert "9 per week (max)" in labels
    empty = parse(weekly_svg([], "T", WINDOW_START))
    assert not bars(empty)
    assert "no weeks to show" in [t.text for t in texts(empty)]


def test_a_german_chart_has_german_words_and_dates() -> None:
    weekly = [("2026-03-23", 4), ("2026-03-30", 9), ("2026-04-06", 2)]
    root = parse(weekly_svg(weekly, "Dokumente pro Woche: X", WINDOW_START, Texts("de")))
    assert legend_colour(root, "dieser Zeitraum, ab 01.04.2026") != legend_colour(root, "der Zeitraum davor")
    labels = [t.text for t in texts(root)]
    assert "9 pro Woche (max.)" in labels and "23.03.2026" in labels  # the weeks as the legend writes days
    desc = root.findtext(f"{SVG}desc")
    assert desc == "2 Dokumente in diesem Zeitraum (ab 01.04.2026), 13 im Zeitraum davor."
    assert "keine Wochen zu zeigen" in [
        t.text for t in texts(parse(weekly_svg([], "T", WINDOW_START, Texts("de"))))
    ]


@pytest.mark.parametrize(
    ("weekly", "current", "before"),
    [
        ([("2026-03-23", 4), ("2026-03-30", 9), ("2026-04-06", 2), ("2026-04-13", 5)], 7, 13),
        ([("2026-04-06", 1)], 1, 0),
        ([], 0, 0),
    ],
)
def test_description_gives_the_totals_of_both_windows(
    weekly: list[tuple[str, int]], current: int, before: int
) -> None:
    root = parse(weekly_svg(weekly, "T", WINDOW_START))
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.text
    found = re.fullmatch(
        r"(\d+) documents? in this window \(from (\S+)\), (\d+) in the window before\.", desc.text
    )
    assert found, desc.text
    assert (int(found[1]), found[2], int(found[3])) == (current, WINDOW_START, before)


def test_accessible_name_and_hostile_text_are_escaped() -> None:
    title = "Documents per week: <script>alert(\"x\")</script> & 'q' ]]> <!-- -->"
    start = '2026-04-01<script>alert(1)</script>"'
    svg = weekly_svg([("2026-03-30", 3), ("2026-04-06<b>", 2)], title, start)
    root = parse(svg)
    assert root.attrib["role"] == "img"
    assert root.attrib["aria-label"] == title
    assert root.findtext(f"{SVG}title") == title
    assert f"from {start}" in (root.findtext(f"{SVG}desc") or "")
    tags = {element.tag for element in root.iter()}
    assert tags <= {f"{SVG}{tag}" for tag in ("svg", "title", "desc", "rect", "line", "text")}
    assert "<script" not in svg and "<b>" not in svg
    assert svg_problems(svg.encode("utf-8"), "chart.svg") == []  # what the site check demands


def test_output_is_deterministic_and_self_contained() -> None:
    weekly = weeks(26)
    svg = weekly_svg(weekly, "T", WINDOW_START)
    assert svg == weekly_svg(list(weekly), "T", WINDOW_START)
    assert "href" not in svg and "url(" not in svg and "<script" not in svg
