"""Sentence splitting, words and stems."""

from __future__ import annotations

from summarize.text import content_words, sentences, stem, words


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


def test_a_sentence_keeps_its_closing_quote_or_bracket() -> None:
    text = "“Mechanical recycling is key.” Nordweave agrees. (It opened in May.) Sales rose."
    assert sentences(text) == [
        "“Mechanical recycling is key.”",
        "Nordweave agrees.",
        "(It opened in May.)",
        "Sales rose.",
    ]


def test_initials_do_not_end_a_sentence() -> None:
    assert sentences("J. R. Smith joined. He left.") == ["J. R. Smith joined.", "He left."]


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
