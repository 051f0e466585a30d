"""Distinctive keywords of groups of documents (class-based TF-IDF), for short trend labels."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence

from summarize.names import event_words
from summarize.text import base_language, content_words, stem, stopwords, words

# Words that are no stop words for grouping (a story's words) but name no theme: connectives and
# quantifiers a label showed ("code health · testing · another", "digital iq · however").
_NO_THEME = frozenset(
    """however another though although yet still many much even every whether within without among
    already always often never including instead several various""".split()
)


def group_terms(texts: Sequence[tuple[str, str | None]]) -> Counter[str]:
    """Content words (without the stop words of each text's language, and without words that report an
    event) and two-word phrases of adjacent ones of a group's (text, language) pairs, counted once per
    text."""
    counts: Counter[str] = Counter()
    for text, language in texts:
        kept = set(content_words(text, language))
        # Phrases of words next to each other in the text: "state of the union" gives no "state union".
        pairs = {f"{a} {b}" for a, b in itertools.pairwise(words(text)) if a in kept and b in kept}
        terms = kept | pairs
        # Words that report an event ("brings", "developed") say nothing of a theme.
        events = event_words(language)
        counts.update(
            t
            for t in terms
            if not events.intersection(t.split())
            and not _NO_THEME.intersection(t.split())
            and not t[0].isdigit()
        )
    return counts


def distinctive_keywords(
    groups: Sequence[Counter[str]], background: Counter[str], documents: Sequence[int], top: int = 3
) -> list[list[str]]:
    """For each group, the ``top`` terms by class-based TF-IDF against all groups plus ``background``.

    ``documents`` is the number of texts of each group: in a group of several, a term must come from
    at least two of them (one article's "bathrooms" says nothing about the theme).

    A term's weight in a group is its share of the group's terms times ``log(1 + A / f)``, where f is
    its count over every group and the background and A the mean number of terms per group. A phrase
    replaces the single words it contains, so labels read "smart textiles", not "smart · textiles".
    """
    totals = Counter(background)
    for g in groups:
        totals.update(g)
    sizes = [sum(g.values()) for g in groups]
    average = (sum(sizes) + sum(background.values())) / (len(groups) + (1 if background else 0) or 1)
    labels = []
    for g, size, texts in zip(groups, sizes, documents, strict=True):
        weights = {
            t: (n / size) * math.log(1 + average / totals[t]) for t, n in g.items() if n >= 2 or texts == 1
        }
        ranked = sorted(weights, key=lambda t: (-weights[t], t))
        chosen: list[str] = []
        for term in ranked:
            if any(term in c.split() or c in term.split() for c in chosen if " " in c or " " in term):
                continue
            if any(_stems(term) == _stems(c) for c in chosen):  # "flavors" after "flavor"
                continue
            chosen.append(term)
            if len(chosen) == top:
                break
        labels.append(chosen)
    return labels


def _stems(term: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in term.split())


def as_spelt(terms: Sequence[str], texts: Sequence[tuple[str, str | None]]) -> list[str]:
    """Each (lower-cased) term as the (text, language) pairs spell it inside their sentences: lower
    case where they ever write it so, else their most frequent spelling with a capital after its
    first letter ("AI", "Digital IQ", "E-Lkw") or, in German, which capitalises its nouns, any
    ("Lkw"). A word capitalised only at a sentence's start or in a name ("Institute for Technical
    Textiles", "Nordweave Fibres") stays in lower case; ``texts`` are best leads without their
    titles, which may be in title case."""
    out = []
    for term in terms:
        pattern = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, term.split())) + r"(?!\w)", re.I)
        found = Counter(
            " ".join(m.group().split())
            for text, language in texts
            for m in pattern.finditer(text)
            if m.group() == term or _spelt_so(m.group(), text[: m.start()], language)
        )
        out.append(term if not found or term in found else found.most_common(1)[0][0])
    return out


def _spelt_so(spelling: str, before: str, language: str | None) -> bool:
    """Whether a capitalised ``spelling`` after ``before`` shows how the word is written: not at a
    sentence's start, and (but for inner capitals: "AI") only a German noun outside a name."""
    if before.rstrip()[-1:] in ("", ".", "!", "?", ":", '"', "“", "„"):
        return False
    if any(c.isupper() for c in spelling[1:]):
        return True
    previous = before.split()[-1].strip("\"'“„(") if before.split() else ""
    in_a_name = previous[:1].isupper() and previous.lower() not in stopwords(language)
    return base_language(language) == "de" and not in_a_name
