"""Sentence splitting, words and stems."""

from __future__ import annotations

import html
from collections import Counter
from pathlib import Path

import feedparser
import pytest

from summarize.keywords import as_spelt, distinctive_keywords, group_terms
from summarize.text import (
    GERMAN_STOPWORDS,
    balanced,
    content_words,
    is_boilerplate,
    needs_antecedent,
    sentences,
    soft_breaks,
    speaks_as_source,
    stem,
    stopwords,
    words,
)


def test_sentences_are_exact_substrings() -> None:
    text = (
        "Dr. Anna Berg of the U.S. Army said on Jan. 5 that the plant opens. It employs 40 people! "
        'Will it grow? "We hope so," she said.\n\nA new paragraph starts here'
    )
    found = sentences(text)
    assert found == [
        "Dr. Anna Berg of the U.S. Army said on Jan. 5 that the plant opens.",
        "It employs 40 people!",
        "Will it grow?",
        '"We hope so," she said.',
        "A new paragraph starts here",
    ]
    assert all(s in text for s in found)


# A wire story as archives keep it: lines wrapped at a fixed width, paragraphs indented.
WRAPPED = """   The Rev. Jesse Jackson arrived in Syria on Friday to seek the release
of a U.S. Navy pilot shot down over Lebanon, and said he was confident
the mission would succeed.
   Jackson, a former presidential candidate, said he would meet President
Hafez Assad of Syria on Saturday to press for the release of the
pilot, who was captured on Sunday after his plane was shot down.
   ``We are here on a mission of mercy,'' Jackson told reporters at the
airport in Damascus.
"""


def test_a_sentence_wrapped_over_lines_is_one_sentence() -> None:
    found = sentences(WRAPPED, "en")
    assert [" ".join(s.split()) for s in found] == [
        "The Rev. Jesse Jackson arrived in Syria on Friday to seek the release of a U.S. Navy pilot shot "
        "down over Lebanon, and said he was confident the mission would succeed.",
        "Jackson, a former presidential candidate, said he would meet President Hafez Assad of Syria on "
        "Saturday to press for the release of the pilot, who was captured on Sunday after his plane was "
        "shot down.",
        "``We are here on a mission of mercy,'' Jackson told reporters at the airport in Damascus.",
    ]
    assert all(s in WRAPPED for s in found)  # still exact substrings, line breaks and all


def test_german_wrapped_over_lines_is_one_sentence_though_its_lines_go_on_with_nouns() -> None:
    text = (
        "   Der Logistikdienstleister Tessmer & Lang setzt in seinem Lager in\n"
        "Ostervik 40 autonome mobile Roboter ein. Die Laufwege der\n"
        "Beschäftigten haben sich halbiert.\n"
        "   Nach den ersten acht Wochen hat sich die Zahl der Positionen pro\n"
        "Stunde nahezu verdoppelt, die Laufwege der Beschäftigten haben sich\n"
        "halbiert.\n"
    )
    assert [" ".join(s.split()) for s in sentences(text, "de")] == [
        "Der Logistikdienstleister Tessmer & Lang setzt in seinem Lager in Ostervik 40 autonome mobile "
        "Roboter ein.",
        "Die Laufwege der Beschäftigten haben sich halbiert.",
        "Nach den ersten acht Wochen hat sich die Zahl der Positionen pro Stunde nahezu verdoppelt, die "
        "Laufwege der Beschäftigten haben sich halbiert.",
    ]


@pytest.mark.parametrize(
    "text",
    [
        # Extracted text: one paragraph per line, each longer than any wrapping width.
        "Key facts\n" + "The plant opens in May and will recycle ten thousand tonnes of textiles a year, "
        "the company said on Monday.\n" * 3,
        # Short lines that are no wrapped sentence: a list, an address.
        "Studio Apartment\n418 41st Street, Oakland 94609\nAvailable June 22, 2017\nTerms:\n"
        "$1750 rent and a fully refundable security deposit of $1950\nParking: $130/month",
        "Our services\nWeaving\nKnitting\nFinishing and coating of technical fabrics\nContact us",
        # Headlines or items of one length: each would fit after the one before, or each is capitalised.
        "Highlights of the new strategy for the textile cluster\n- Recycled polyester from post-consumer "
        "bottle waste\n- Smart textiles for hospital beds and care homes\n- Bio-based dyes from "
        "agricultural residues in Saxony\n",
        "Highlights of the new strategy for the textile cluster\nRecycled polyester from post-consumer "
        "bottle waste\nSmart textiles for hospital beds and care homes\nBio-based dyes from agricultural "
        "residues in Saxony\n",
        "Textilcluster Sachsen, Annaberger Straße 240 in Chemnitz\nTelefon 0371 123456 und Fax 0371 "
        "654321 für Anfragen\nE-Mail an info@textilcluster.example oder per Post\n",
    ],
)
def test_lines_that_are_paragraphs_or_list_items_are_not_wrapped(text: str) -> None:
    assert soft_breaks(text) == frozenset()


def test_a_sentence_keeps_its_closing_quote_or_bracket() -> None:
    text = "“Mechanical recycling is key.” Nordweave agrees. (It opened in May.) Sales rose."
    assert sentences(text) == [
        "“Mechanical recycling is key.”",
        "Nordweave agrees.",
        "(It opened in May.)",
        "Sales rose.",
    ]


def test_wire_quotes_in_backticks_open_a_sentence_and_must_close_in_it() -> None:
    """Wire archives and treebank text quote ``so''; a sentence that opens a quotation that way
    starts a sentence, and one that holds only its closing marks is half a quotation."""
    text = "The plant is ready, officials said. ``We start in May,'' the mayor said. Sales rose."
    said = sentences(text)
    assert said == [
        "The plant is ready, officials said.",
        "``We start in May,'' the mayor said.",
        "Sales rose.",
    ]
    assert balanced(said[1])
    assert not balanced("I don't need to do anything anymore. ''")
    assert not balanced("``We appreciate your respect at this time.")


def test_initials_do_not_end_a_sentence() -> None:
    assert sentences("J. R. Smith joined. He left.") == ["J. R. Smith joined.", "He left."]
    assert sentences("Running back J.J. Arrington is hurt. The U.N. Security Council met.") == [
        "Running back J.J. Arrington is hurt.",
        "The U.N. Security Council met.",
    ]
    assert sentences("They met in Washington, D.C. The leaders agreed.") == [
        "They met in Washington, D.C.",
        "The leaders agreed.",
    ]


def test_a_time_of_day_ends_a_sentence_unless_a_day_follows() -> None:
    """AP's style, in most US reports: 132 times in ECB+ and the Gun Violence Corpus a time came
    before its day, and the sentence was cut there ("Friday and found flames ..." read as one)."""
    assert sentences("Firefighters came about 9:40 p.m. Friday and found flames. It spread.") == [
        "Firefighters came about 9:40 p.m. Friday and found flames.",
        "It spread.",
    ]
    assert sentences("The call came at 10:30 a.m. Oregon State Police took over.") == [
        "The call came at 10:30 a.m.",
        "Oregon State Police took over.",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NEWARK, N.J. (AP) — A man was shot Tuesday. He died.", ["A man was shot Tuesday.", "He died."]),
        ("ST. PAUL, Minn. (AP) -- Two men were arrested.", ["Two men were arrested."]),
        ("LONDON (Reuters) - Oil prices rose on Monday.", ["Oil prices rose on Monday."]),
        ("Berlin (dpa) - Die Bahn streikt.", ["Die Bahn streikt."]),
        ("NEW YORK, Nov. 30, 2026 /PRNewswire/ -- Acme Corp. opens a plant.", ["Acme Corp. opens a plant."]),
        ("WASHINGTON _ The Senate voted.", ["The Senate voted."]),
        ("KYIV, Ukraine — Russian forces attacked.", ["Russian forces attacked."]),
        ("NAPLES, Fla. - NAPLES, Fla. -- One person died.", ["One person died."]),
        ("Kalvstad, 14. Oktober 2026 – Die Anlage läuft.", ["Die Anlage läuft."]),
        ("SALT LAKE CITY — Police say a man shot two.", ["Police say a man shot two."]),
        ("SAN ANTONIO - A family hopes to find out why.", ["A family hopes to find out why."]),
        (
            "MORRISON – Rock Falls teen Brady Osborne was sentenced.",
            ["Rock Falls teen Brady Osborne was sentenced."],
        ),
        ("NASA — The agency said so.", ["NASA — The agency said so."]),
        ("Jane Doe (Acme) - We expect sales to double.", ["Jane Doe (Acme) - We expect sales to double."]),
        ("Prices rose. UPDATE - The road is closed.", ["Prices rose.", "UPDATE - The road is closed."]),
        ("Kalvstad, Oct. 14, 2026 — The plant runs.", ["The plant runs."]),
        # not datelines: an acronym before a dash, a place in brackets, a mid-sentence agency
        ("NASA — the agency — said so.", ["NASA — the agency — said so."]),
        ("Acme (Berlin) said sales grew.", ["Acme (Berlin) said sales grew."]),
        ("He said the U.S. (AP) — fine.", ["He said the U.S. (AP) — fine."]),
    ],
)
def test_a_wire_dateline_is_not_part_of_the_sentence(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected
    assert all(s in text for s in expected)


def test_words_and_content_words() -> None:
    assert words("Smart-textile makers' sales rose 12% in Q3") == [
        "smart-textile",
        "makers",
        "sales",
        "rose",
        "12",
        "in",
        "q3",
    ]
    assert content_words("The smart textiles of 2026 and der Stoff") == ["smart", "textiles", "stoff"]


def test_porter_stems() -> None:
    assert [stem(w) for w in ("recycling", "recycled", "fibres")] == ["recycl", "recycl", "fibr"]


GERMAN = Path(__file__).parent / "data" / "german" / "abkuerzungen.txt"


def test_german_sentences_keep_abbreviations_and_ordinals_inside() -> None:
    text = GERMAN.read_text(encoding="utf-8")
    found = sentences(text, "de")
    assert found == [
        "Die Nordweave Fibres GmbH & Co. KG aus Kalvstad eröffnet am 3. Oktober 2026 ihre neue "
        "Recyclinganlage.",
        "Sie verarbeitet u. a. Alttextilien aus Baumwolle, z. B. Jeans und Hemden, bzw. Mischgewebe mit "
        "max. 20 Prozent Elastan.",
        "Die Investition beträgt rd. 14 Mio. Euro.",
        "„Wir schließen damit den Kreislauf“, sagte Geschäftsführerin Dr. Anna Berg.",
        "Die Anlage in der Industriestr. 12 ist nach der Nr. 4 in Valmark die zweite ihrer Art.",
        "Der 2. Bauabschnitt folgt im 1. Quartal 2027 (vgl. Seite 3).",
        "Im Jahr 2025 lag der Umsatz bei 40.",  # a number ending a sentence still ends it
        "Das Unternehmen plant zudem eine Linie für Wolle.",
    ]
    assert all(s in text for s in found)
    # English text keeps the English rules: "3. October" is no German date there.
    assert sentences("Sales rose by 3. October was quiet.", "en") == [
        "Sales rose by 3.",
        "October was quiet.",
    ]


def _heise(corpora: Path) -> list[str]:
    """The summaries of the heise developer feed (German, real)."""
    feed = feedparser.parse((corpora / "feeds" / "real-sites" / "heise.atom").read_bytes())
    return [html.unescape(e.summary) for e in feed.entries]


@pytest.mark.corpus
def test_heise_sentences_are_whole_german_sentences(corpora: Path) -> None:
    summaries = _heise(corpora)
    assert len(summaries) == 15
    for summary in summaries:
        found = sentences(summary, "de")
        assert all(s in summary for s in found) and all(s[-1] in ".?!" for s in found), found
    architect = next(s for s in summaries if s.startswith("Wie entwirft"))
    assert len(sentences(architect, "de")) == 4
    weekly = next(s for s in summaries if "u.a." in s)
    assert len(sentences(weekly, "de")) == 1  # "u.a." and "Co." end nothing


@pytest.mark.corpus
def test_german_content_words_have_no_german_stop_words(corpora: Path) -> None:
    words_found = [w for s in _heise(corpora) for w in content_words(s, "de")]
    assert not set(words_found) & GERMAN_STOPWORDS
    assert {"aber", "doch", "nun", "dass", "dafür"} - {"dafür"} <= set(words(" ".join(_heise(corpora))))
    assert "softwarearchitekt" in words_found and "entwickler" in words_found
    # The keywords of a group of German texts: no stop words ("aber" came out as one before).
    group = group_terms([(s, "de") for s in _heise(corpora)])
    assert not {t for t in group if set(t.split()) & GERMAN_STOPWORDS}


def test_a_unit_or_a_headcount_is_no_keyword() -> None:
    # The German demo's recycling trend was labelled "fibres · recycling · tonnes".
    group = group_terms(
        [
            ("A 5,000-tonne plant for recycled fibres with 15 employees.", "en"),
            ("Die Anlage verarbeitet 12.000 Tonnen Alttextilien; 40 Mitarbeiter.", "de"),
        ]
    )
    assert "plant" in group and "alttextilien" in group
    assert not {
        t for t in group if {"tonne", "tonnes", "employees", "tonnen", "mitarbeiter"} & set(t.split())
    }


def test_a_connective_or_a_quantifier_is_no_keyword() -> None:
    # Labels read "code health · testing · another" and "brands digital · digital iq · however".
    group = group_terms([("However, another code health test found many flaky tests.", "en")])
    assert "code health" in group and not {
        t for t in group if {"however", "another", "many"} & set(t.split())
    }


def test_a_keyword_phrase_is_two_words_next_to_each_other_and_a_plural_no_second_keyword() -> None:
    # A paper's labels read "state union · address · trump" and "flavor · flavors · ingredients".
    group = group_terms([("Trump's State of the Union address promised unity.", "en")])
    assert "union address" in group and "state union" not in group and "address promised" in group
    texts = ["Wild flavors in winter.", "One flavor, many ingredients.", "Ingredients and flavors."]
    groups = [group_terms([(t, "en") for t in texts])]
    assert distinctive_keywords(groups, Counter(), [3]) == [["flavors", "ingredients"]]  # no "flavor"


def test_keywords_are_spelt_as_the_texts_spell_them() -> None:
    texts = [
        ("Recycling: AI sorts textiles. The recycling line uses AI and the Digital IQ Index.", "en"),
        ("Spedition stellt E-Lkw in Dienst. Die Lkw fahren batterieelektrisch zu Nordweave Fibres.", "de"),
        (
            "Technical textiles grow at the Institute for Technical Textiles. “Wearables sell,” she said.",
            "en",
        ),
    ]
    assert as_spelt(
        ["ai", "recycling", "digital iq", "e-lkw", "lkw", "technical", "wearables", "fibres"], texts
    ) == [
        "AI",
        "recycling",  # also written so: "Recycling" only opens a sentence
        "Digital IQ",
        "E-Lkw",
        "Lkw",  # a German noun
        "technical",  # capitalised only at a sentence's start and in a name
        "wearables",
        "fibres",  # only in a name
    ]


def test_stop_words_and_stems_follow_the_language() -> None:
    assert "war" in content_words("The war ended", "en")  # an English word, a German stop word
    assert "war" not in content_words("Das war gut", "de")
    assert content_words("Die Anlagen der Firma", "de") == ["anlagen", "firma"]
    assert stem("anwendungen", "de") == stem("anwendung", "de") != stem("anwendungen", "en")
    assert stem("entwicklern", "de") == stem("entwickler", "de")
    assert stem("recycling", "en") == stem("recycling") == "recycl"  # Porter where not German
    assert (
        stopwords("de-AT") == stopwords("de") and "aber" in stopwords(None) and "aber" not in stopwords("en")
    )


def test_german_quotations_antecedents_and_boilerplate() -> None:
    assert balanced("„Wir schließen den Kreislauf“, sagte sie.")
    assert not balanced("„Wir schließen den Kreislauf, sagte sie.")
    assert balanced("“It works,” she said.")
    assert needs_antecedent("Das Unternehmen plant zudem eine Linie für Wolle.", "de")
    assert needs_antecedent("Außerdem sollen 40 Stellen entstehen.", "de")
    assert not needs_antecedent("Nordweave eröffnet in Kalvstad eine Recyclinganlage.", "de")
    assert is_boilerplate("Abonnieren Sie unseren Newsletter.")
    assert is_boilerplate("Foto: Nordweave Fibres")
    assert not is_boilerplate("Die Firma will sich um Fördermittel bewerben.")


@pytest.mark.parametrize(
    ("sentence", "dependent"),
    [
        ("The system fits into a hall of just 1,200 square metres.", True),
        ("The sock streams data to a phone app.", True),
        ("The new line can process 5,000 tonnes a year.", True),
        ("“The model is built from the floor plan,” she said.", True),
        ("The company also plans a second line.", True),
        ("It can process 5,000 tonnes of textile waste a year.", True),
        ("The Port of Hallsund has put a digital twin into operation.", False),
        ("The market for recycled fibre grew by 8 percent.", False),
        ("Nordweave Fibres opened a recycling line in Kalvstad.", False),
        ("Then there's the sock.", True),
        ("In total, the model was trained on 41,000 CT examinations.", True),
        ("For Textura Labs the study is the first step towards certification.", True),
        ("Once installed, the software steals login credentials.", True),
        ("Esther Williams, the swimming champion turned actress, has died.", False),
        ("The first order, for 3,000 vehicles, comes from an electric vehicle start-up.", True),
        ("The Port of Hallsund, the region's largest, has ordered trucks.", False),
    ],
)
def test_sentences_that_lean_on_the_one_before(sentence: str, dependent: bool) -> None:
    assert needs_antecedent(sentence, "en") is dependent


@pytest.mark.parametrize(
    ("sentence", "language", "voiced"),
    [
        ("Today we're announcing the release of AdWords API v201605.", "en", True),
        ("You do not need to migrate these ads.", "en", True),
        ("I think this is the future of retail.", "en", True),
        ("Wir freuen uns über den Zuschlag.", "de", True),
        ("Die Anlage steht Ihnen ab Mai offen.", "de", True),
        ("The US will raise tariffs on steel.", "en", False),
        ("The Phase I trial enrolled 40 patients.", "en", False),
        ("World War I ended in 1918.", None, False),
        ("“We are pleased with the result,” the chief executive said.", "en", False),
        ("We will rebuild the store, the mayor said.", "en", False),
        ("``We will be back,'' he said.", "en", False),
        ("Sie eröffnete die Anlage im Mai.", "de", False),
        ("Wir bauen weiter, so der Sprecher.", "de", False),
    ],
)
def test_a_sentence_in_its_sources_own_voice(sentence: str, language: str | None, voiced: bool) -> None:
    assert speaks_as_source(sentence, language) is voiced


@pytest.mark.parametrize(
    ("sentence", "boilerplate"),
    [
        # Local news closers, from the Gun Violence Corpus's reports (15 such sentences there)
        ("Stay with Channel 4 for more information.", True),
        ("Stay with THV11 and thv11.com for updates as they become available.", True),
        (
            "This is a developing story and will be updated with more information as it becomes available.",
            True,
        ),
        ("Check back for updates.", True),
        ("Interested customers can register for updates on the Q10 at the link below.", True),  # ECB+
        ("Subscribe to our newsletter for weekly updates.", True),
        ("Anyone with information is asked to call police on 0845 125 2222 or Crimestoppers.", True),
        ("Registration is currently OPEN for attendees and speakers.", True),  # a conference's notice
        ("July 1, 2017 - Registration closes for speaker submissions.", True),
        ("New car registrations fell by 4 percent in March.", False),
        ("Drug registration is now open to foreign makers, the regulator said on Monday.", False),
        ("The ministry extended the registration deadline for electric scooters to June.", False),
        ("Insider rules bar anyone with information about the merger from trading the shares.", False),
        ("Witnesses are urged to contact detectives at the 5th precinct.", True),
        # A blog platform's membership notes (the real Medium feed in shared)
        (
            "Previously available only to Medium members, we are now pleased to offer this article for free"
            " to everyone.",
            True,
        ),
        ("This story is currently available to Medium Members at the following link.", True),
        ("Become a member to read every story.", True),
        ("Shares of the broadcaster are available to retail investors from Monday.", False),
        ("Lithuania will become a member of the eurozone in January.", False),
        ("The museum will offer free entry to members of the armed forces.", False),
        # News
        ("The family will stay with relatives in Ohio for now.", False),
        ("Police said the boy was taken to hospital in critical condition.", False),
        ("More details of the plan were presented to the council on Monday.", False),
        ("The new gallery above the station opens in May.", False),
        ("The research team will check back for signs of recovery in a year.", False),
        ("The stock will stay with the index for more than a year.", False),
        ("Police said they had no information about the gunman's motive.", False),
    ],
)
def test_what_addresses_the_pages_reader_is_boilerplate(sentence: str, boilerplate: bool) -> None:
    assert is_boilerplate(sentence) is boilerplate
