"""The workspace language: gettext catalogs (complete, compiled, consistent), German papers with
German dates and numbers, quotations marked with their language, and the same escaping as in English."""

from __future__ import annotations

import gettext
import re
from dataclasses import replace
from datetime import date
from io import BytesIO
from pathlib import Path

import markdown
import numpy as np
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from papers.content import MemberLine, cited_id
from papers.frontmatter import split
from papers.i18n import LANGUAGES, LOCALE_DIR, Texts, all_translations
from papers.render import environment, member_reason, render_paper
from papers.sitefeed import paper_summary
from summarize.members import Match, Member, Subject
from summarize.summarizer import CitedSentence
from tests.test_render import EXTENSIONS, _active_markup, _evil_paper, _html

ROOT = Path(__file__).parents[1]
_PLACEHOLDER = re.compile(r"%\((\w+)\)\w|%%")


def _po(language: str) -> Catalog:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "trendpapers.po").open("rb") as fh:
        return read_po(fh)


def _extracted() -> set[tuple[str | None, str | tuple[str, ...]]]:
    """Every text the code and templates hand to gettext, as ``make catalogs`` extracts them."""
    method_map = [
        ("papers/**.py", "python"),
        ("trendpapers/**.py", "python"),
        ("summarize/opportunities.py", "python"),
        ("papers/templates/**.j2", "jinja2"),
        ("desk/**.py", "python"),
        ("desk/templates/**.html", "jinja2"),
    ]
    options = {
        "papers/templates/**.j2": {"extensions": "jinja2.ext.i18n"},
        "desk/templates/**.html": {"extensions": "jinja2.ext.i18n"},
    }
    keywords = {
        "gettext": None,
        "ngettext": (1, 2),
        "pgettext": ((1, "c"), 2),
        "_": None,
        "N_": None,
        "md": None,
        "nmd": (1, 2),
    }
    found = set()
    for _, _, message, _, context in extract_from_dir(
        str(ROOT), method_map, options, keywords=keywords, strip_comment_tags=True
    ):
        found.add((context, message if isinstance(message, str) else tuple(message)))
    return found


def test_every_text_of_the_code_is_translated_with_the_same_placeholders() -> None:
    extracted = _extracted()
    assert len(extracted) > 90
    for language in LANGUAGES[1:]:
        catalog = _po(language)
        translated = {
            (m.context, m.id if isinstance(m.id, str) else tuple(m.id)): m
            for m in catalog
            if m.id and m.string
        }
        assert not extracted - set(translated), f"{language}: untranslated: {extracted - set(translated)}"
        for message in translated.values():
            ids = [message.id] if isinstance(message.id, str) else list(message.id)
            strings = [message.string] if isinstance(message.string, str) else list(message.string or ())
            wanted = set(_PLACEHOLDER.findall(ids[-1]))
            for text in strings:
                assert set(_PLACEHOLDER.findall(text)) == wanted, (message.id, text)


def test_the_shipped_mo_files_are_the_compiled_po_files() -> None:
    """The .mo files are committed (an installed package needs no build step): never stale."""
    for language in LANGUAGES[1:]:
        compiled = BytesIO()
        write_mo(compiled, _po(language))
        fresh = gettext.GNUTranslations(BytesIO(compiled.getvalue()))
        with (LOCALE_DIR / language / "LC_MESSAGES" / "trendpapers.mo").open("rb") as fh:
            shipped = gettext.GNUTranslations(fh)
        assert shipped._catalog == fresh._catalog  # type: ignore[attr-defined]


def test_dates_numbers_and_words_in_german() -> None:
    de, en = Texts("de"), Texts("en")
    assert de.date(date(2026, 10, 3)) == "3. Oktober 2026" and en.date(date(2026, 10, 3)) == "2026-10-03"
    assert de.short_date(date(2026, 10, 3)) == "03.10.2026"
    assert (
        de.percent(0.5, signed=True).replace("\xa0", " ") == "+50 %"
        and en.percent(0.5, signed=True) == "+50%"
    )
    assert de.percent(-0.25, signed=True).replace("\xa0", " ") == "-25 %"
    assert de.number(1234) == "1.234" and en.number(1234) == "1234"
    assert de.date(None) == "undatiert" and de.status("rising") == "steigend"
    assert de.ngettext("%(num)d document", "%(num)d documents", 1) % {"num": 1} == "1 Dokument"
    assert all_translations("Executive summary") == {"Executive summary", "Zusammenfassung"}
    with pytest.raises(ValueError, match="no texts in 'fr'"):
        Texts("fr")


def test_a_german_paper_has_german_texts_and_the_same_protection() -> None:
    data = _evil_paper()
    text = render_paper(data, "2026-11-23T10:00:00Z", environment(None, "de"))
    meta, body = split(text, "paper")
    assert meta["language"] == "de" and meta["provenance"]["trends_as_of"] == "2026-11-20"  # ISO stays
    html = _html(text)
    assert not _active_markup(html)
    assert [el.text_content() for el in html.iter("h2")] == [
        "Zusammenfassung",
        "Schlüsseltrends",
        "Schwache Signale",
        "Chancen",
        "Was sich gegenüber den 90 Tagen davor geändert hat",
        "Methode und Quellen",
        "Was das für unsere Mitglieder bedeutet",
    ]
    page = html.text_content()
    assert "In den 90 Tagen bis zum 20. November 2026 betrafen 40 Dokumente aus 18 Quellen" in page
    assert re.search(r"Davon bilden \d+ Dokumente \d+ Schlüsseltrends und 2 schwache Signale\.", page)
    assert "(steigend, 1 → 4 Dokumente)" in page and "Steigend: 4 Dokumente in diesem Zeitraum" in page
    assert "(+300\xa0%)" in page  # a percentage in German form
    assert "**Von der Redaktion auszufüllen.**" in body
    for english in ("Executive summary", "Key trends", "documents", "To fill in", "undated", "Evidence"):
        assert english not in page, english
    # A value put into a translated text is escaped like any other ("Cluster <b>Nord</b>").
    assert "für Cluster <b>Nord</b> entworfen" in page
    assert paper_summary(text).startswith("In den 90 Tagen bis zum 20. November 2026")


def test_a_quotation_in_another_language_is_marked_with_it() -> None:
    data = _evil_paper()
    first = data.trends[0]
    citations = dict(data.citations)
    german, english = first.summary
    citations[cited_id(german)] = replace(citations[cited_id(german)], language="de")
    citations[cited_id(english)] = replace(citations[cited_id(english)], language="en-GB")
    sentences = (
        CitedSentence("Nordweave eröffnet in Kalvstad eine Recyclinganlage.", german.source_id),
        CitedSentence("Nordweave opens a recycling plant in Kalvstad.", english.source_id),
    )
    trends = (replace(first, summary=sentences, lead=sentences[0]), *data.trends[1:])
    data = replace(data, trends=trends, citations=citations)
    for language, own, other in (("en", sentences[1], sentences[0]), ("de", sentences[0], sentences[1])):
        text = render_paper(data, "2026-11-23T10:00:00Z", environment(None, language))
        other_language = "de" if language == "en" else "en"
        assert f"*{other.text}*{{lang={other_language}}} ({other_language})[^doc-" in text
        assert f"\n{own.text}[^doc-" in text  # the paper's own language: no mark
        html = markdown.markdown(split(text, "paper")[1], extensions=EXTENSIONS)
        assert f'<em lang="{other_language}">{other.text}</em> ({other_language})' in html
        assert "{lang" not in re.sub(r"<[^>]+>", "", html)  # the attribute list is no text
        if language == "en":  # the feed's summary shows the text, not the attribute list
            assert "Nordweave eröffnet in Kalvstad eine Recyclinganlage. (de)" in paper_summary(text)


def test_opportunities_and_member_matches_in_german_and_as_before_in_english() -> None:
    subject = Subject("trend", "textile-0001", "Trend 1", ("textile",), np.zeros(3), "")
    member = Member("Simwerk <GmbH>", "FEM", ("simulation",), ("textile",))
    match = Match(member, subject, 0.7149, 0.6234, ("simulation", "CAE"), ("Textile", "Medical technology"))
    data = replace(_evil_paper(), members=(MemberLine("trend", "Trend 1", (match,)),))
    # English as before, escaped.
    reason = (
        "competences similar to its documents (0.62); keywords: simulation, CAE; interested in Textile "
        "and Medical technology; score 0.71"
    )
    assert member_reason(match) == reason
    english = render_paper(data, "2026-11-23T10:00:00Z", environment(None, "en"))
    assert f"- Trend 1 (trend): Simwerk &lt;GmbH&gt; ({reason})" in english
    german = render_paper(data, "2026-11-23T10:00:00Z", environment(None, "de"))
    assert "**Mitglieder mit passenden Kompetenzen** (für die Redaktion, nicht veröffentlicht):" in german
    assert (
        "- Trend 1 (Trend): Simwerk &lt;GmbH&gt; (Kompetenzen ähnlich den Dokumenten (0,62); Schlagwörter: "
        "simulation, CAE; interessiert an Textile und Medical technology; Wert 0,71)"
    ) in german
    page = _html(german).text_content()
    assert "Für Unternehmen im eigenen Feld des Clusters (" in page and "(siehe Chancen)" in page
    assert "Warum:" in page and "Aus Textile:" in page and "Wo die Trends der Branche" in page
    for english_text in ("Why:", "From ", "For companies", "the cluster's field", "score "):
        assert english_text not in page, english_text
    assert not _active_markup(_html(german))


def test_the_catalog_is_found_from_inside_a_workspace(tmp_path: Path) -> None:
    """``python -m trendpapers`` in a workspace puts it on the import path, where its own
    ``papers/`` folder also answers to the package's name: the German texts still load."""
    import subprocess
    import sys

    (tmp_path / "papers" / "textile").mkdir(parents=True)
    done = subprocess.run(
        [sys.executable, "-c", "from papers.i18n import Texts; print(Texts('de').gettext('Key trends'))"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Schlüsseltrends"
