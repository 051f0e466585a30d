"""Cited extractive multi-document summaries.

Sentences are chosen for coverage and non-redundancy the way the best classic extractive system
(ICSI's concept-based summariser) does it: a *concept* is a stemmed word bigram, worth the number of
documents that use it; a summary is worth the concepts it covers, each counted once, so a sentence
that repeats what is already chosen gains nothing. Sentences are picked greedily by gain per word
within the word budget, with a small bonus for sentences near the top of an article (news puts the
event first). Every chosen sentence is an exact substring of its document and carries its id.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from summarize.text import STOPWORDS, sentences, stem, words


@dataclass(frozen=True)
class SourceDoc:
    id: Hashable
    title: str
    text: str


@dataclass(frozen=True)
class CitedSentence:
    text: str  # verbatim from the cited document
    source_id: Hashable


@dataclass(frozen=True)
class Summary:
    sentences: tuple[CitedSentence, ...]
    method: str = "extractive"

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


@dataclass(frozen=True)
class SummarySettings:
    max_words: int = 100
    min_sentence_words: int = 6  # shorter pieces are headings, datelines or captions
    max_sentence_words: int = 55  # longer ones are usually run-ons from lists or bad splits
    position_bonus: float = 1.0  # concept weight added for an article's first sentence, halving after
    max_sentences_per_doc: int = 40  # deep sentences rarely carry the event; bounds the work


@dataclass(frozen=True)
class _Candidate:
    doc: int
    position: int
    text: str
    length: int
    concepts: frozenset[tuple[str, str]]


def _concepts(text: str) -> frozenset[tuple[str, str]]:
    tokens = words(text)
    return frozenset(
        (stem(a), stem(b)) for a, b in itertools.pairwise(tokens) if not (a in STOPWORDS and b in STOPWORDS)
    )


def _candidates(docs: Sequence[SourceDoc], settings: SummarySettings) -> list[_Candidate]:
    out: list[_Candidate] = []
    for d, doc in enumerate(docs):
        seen: set[str] = set()
        for position, sentence in enumerate(sentences(doc.text)[: settings.max_sentences_per_doc]):
            length = len(sentence.split())
            key = " ".join(words(sentence))
            if not settings.min_sentence_words <= length <= settings.max_sentence_words or key in seen:
                continue
            if sentence.endswith("?") or sentence[-1:] not in ".!\"'”’)":
                continue  # questions and unfinished fragments read badly out of context
            seen.add(key)
            out.append(_Candidate(d, position, sentence, length, _concepts(sentence)))
    return out


def summarize(docs: Sequence[SourceDoc], settings: SummarySettings | None = None) -> Summary:
    """A summary of at most ``max_words`` words from whole sentences of ``docs``, each cited."""
    settings = settings or SummarySettings()
    candidates = _candidates(docs, settings)
    if not candidates:
        return Summary(())
    # A concept's weight: how many documents use it (within one document: how often, so that a
    # single article still has something to cover).
    by_doc: Counter[tuple[str, str]] = Counter()
    for d in range(len(docs)):
        by_doc.update(set().union(*(c.concepts for c in candidates if c.doc == d)))
    if len(docs) > 1:
        floor = 3 if len(docs) >= 6 else 2  # ICSI's cut-off for 10-document clusters, eased for small ones
        weights = {c: float(n) for c, n in by_doc.items() if n >= floor}
    else:
        counts = Counter(c for cand in candidates for c in cand.concepts)
        weights = {c: float(n) for c, n in counts.items() if n >= 2}

    chosen: list[_Candidate] = []
    covered: set[tuple[str, str]] = set()
    budget = settings.max_words
    remaining = list(candidates)
    while remaining:
        best, best_score = None, 0.0
        for cand in remaining:
            if cand.length > budget:
                continue
            gain = sum(weights.get(c, 0.0) for c in cand.concepts - covered)
            gain += settings.position_bonus * 0.5**cand.position
            score = gain / cand.length
            if score > best_score:
                best, best_score = cand, score
        if best is None:
            break
        chosen.append(best)
        covered |= best.concepts
        budget -= best.length
        remaining = [c for c in remaining if c is not best and c.concepts - covered]
    chosen.sort(key=lambda c: (c.doc, c.position))
    return Summary(tuple(CitedSentence(c.text, docs[c.doc].id) for c in chosen))
