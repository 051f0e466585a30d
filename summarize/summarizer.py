"""Cited extractive multi-document summaries.

Sentences are chosen for coverage and non-redundancy the way the best classic extractive system
(ICSI's concept-based summariser, Gillick and Favre 2009) does it: a *concept* is a stemmed word
bigram, worth the number of documents that use it, plus a small bonus when it occurs near the top
of an article (news puts the event first); a summary is worth the concepts it covers, each counted
once, so a sentence that repeats what is already chosen gains nothing. The best set of sentences
within the word budget is found exactly, as an integer program (scipy's HiGHS solver), not
greedily. Every chosen sentence is an exact substring of its document and carries its id.

A theme's summary (a trend's) is given each document's story: reports of one event then count once
when a concept's weight is counted, and each story is one more concept, held by its reports' leads
and worth more than all bigrams together, so that the summary tells as many of the theme's stories
as the budget holds, each by its lead.

Words, stems, stop words and sentences follow each document's language. Given a language to prefer
(the paper's), the summary takes its sentences from documents in that language (or of unknown
language) first, and fills what budget remains from the others, whose sentences follow.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from summarize.text import (
    balanced,
    base_language,
    is_boilerplate,
    needs_antecedent,
    sentences,
    speaks_as_source,
    stem,
    stopwords,
    words,
)


@dataclass(frozen=True)
class SourceDoc:
    id: Hashable
    title: str
    text: str
    language: str | None = None  # as ingest detected it
    group: Hashable | None = None  # its story, in a theme's summary (None: not one)


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
    position_bonus: float = 1.0  # weight added to a concept in an article's first sentence, halving after
    max_sentences_per_doc: int = 40  # deep sentences rarely carry the event; bounds the work
    language: str | None = None  # the paper's: its sentences are taken first (None: no preference)


@dataclass(frozen=True)
class _Candidate:
    doc: int
    position: int
    text: str
    length: int
    concepts: frozenset[tuple[str, str]]
    dependent: bool = False  # reads right only after the sentence before it in its document
    voiced: bool = False  # speaks as its source or to its reader ("we", "you"; ``speaks_as_source``)


def _concepts(text: str, language: str | None = None) -> frozenset[tuple[str, str]]:
    tokens = words(text)
    stop = stopwords(language)
    return frozenset(
        (stem(a, language), stem(b, language))
        for a, b in itertools.pairwise(tokens)
        if not (a in stop and b in stop)
    )


# Words a headline in title case capitalises and a sentence does not ("Checks Out Of Rehab").
_SMALL_WORDS = frozenset("a an and as at by for from in into of off on or out over the to up with".split())
# Name particles that open a sentence in lower case ("van Gogh's Sunflowers sold ...").
_PARTICLES = frozenset("van von de der den di da du le la del al el bin ibn".split())


def _not_prose(sentence: str, language: str | None) -> str | None:
    """Why a sentence is no sentence of the story, if it is not: "brackets" or "capitals" (a wire's
    "(STORY CAN END HERE ...)", a headline), "title case" (a headline: "Lindsay Lohan Checks Out Of
    Rehab..."; not in German, which capitalises its nouns), "lower case" (the tail of a sentence
    cut short: "have made an offer ..."; not "iPhone", "e-commerce" or "van Gogh")."""
    if sentence.startswith("(") and sentence.endswith(")"):
        return "brackets"
    letters = [c for c in sentence if c.isalpha()]
    if len(letters) >= 10 and sum(c.isupper() for c in letters) >= 0.7 * len(letters):
        return "capitals"
    first = sentence.split()[0].lstrip("\"'`“‘([„‚")
    if first.isalpha() and first.islower() and first not in _PARTICLES:
        return "lower case"
    tokens = [w for w in sentence.split() if w[:1].isalpha()]
    capitalised = [w for w in tokens if w[0].isupper()]
    # Names crowd a sentence too ("Apple CEO Tim Cook met President Donald Trump."): a headline
    # also capitalises its small words, or every word.
    headline = len(capitalised) == len(tokens) or any(w.lower() in _SMALL_WORDS for w in capitalised[1:])
    if base_language(language) != "de" and len(tokens) >= 5 and len(capitalised) >= 0.85 * len(tokens):
        return "title case" if headline else None
    return None


def _candidates(docs: Sequence[SourceDoc], settings: SummarySettings) -> list[_Candidate]:
    out: list[_Candidate] = []
    for d, doc in enumerate(docs):
        seen: set[str] = set()
        said = sentences(doc.text, doc.language)[: settings.max_sentences_per_doc]
        unlike = [_not_prose(sentence, doc.language) for sentence in said]
        # A text written all in capitals (old wire copy, a broadcast transcript) or all in lower case
        # (a corpus made so) has that as its style: its sentences are no headlines or fragments.
        style = {
            k for k in ("capitals", "lower case") if unlike.count(k) >= 3 and unlike.count(k) > len(said) / 2
        }
        for position, sentence in enumerate(said):
            length = len(sentence.split())
            key = " ".join(words(sentence))
            if not settings.min_sentence_words <= length <= settings.max_sentence_words or key in seen:
                continue
            if sentence.endswith("?") or sentence[-1:] not in ".!\"'”’)":
                continue  # questions and unfinished fragments read badly out of context
            if unlike[position] is not None and unlike[position] not in style:
                continue  # a headline, a note to editors, a fragment
            if is_boilerplate(sentence) or not balanced(sentence):
                continue  # a call to action, legal text; half a quotation
            seen.add(key)
            out.append(
                _Candidate(
                    d,
                    position,
                    sentence,
                    length,
                    _concepts(sentence, doc.language),
                    needs_antecedent(sentence, doc.language),
                    speaks_as_source(sentence, doc.language),
                )
            )
    return out


def _weights(
    candidates: Sequence[_Candidate], groups: Sequence[Hashable], position_bonus: float = 0.0
) -> dict[tuple[str, str], float]:
    """A concept's weight: how many documents use it (within one document: how often it recurs, so
    that a single article still has something to cover), plus ``position_bonus`` halved for each
    sentence its earliest occurrence stands below the top of an article. ``groups`` holds what each
    document reports: documents of one group count once.

    Of 10 documents, concepts in fewer than 3 count for little (ICSI's cut-off): one that 2 share
    counts a tenth, without the bonus, so that what 3 or more share decides and what 2 share fills
    the budget that leaves (of short reports, the summary used to stop at 25 words). Of 2 to 5, one
    in a single document counts a tenth if it is in the document's first sentence, else nothing:
    what two reports share is soon covered, and the rest of the budget then goes to each one's lead
    rather than staying unused.
    """
    if len(set(groups)) < 2:
        groups = range(len(groups))  # one event: its reports are what tells how much a concept matters
    if len(groups) == 1:
        counts = Counter(c for cand in candidates for c in cand.concepts)
        found = {c: float(n) for c, n in counts.items()}
        minor: dict[tuple[str, str], float] = {}
    else:
        by_group: Counter[tuple[str, str]] = Counter()
        for group in set(groups):
            by_group.update(set().union(*(c.concepts for c in candidates if groups[c.doc] == group)))
        floor = 3 if len(set(groups)) >= 6 else 2  # ICSI's cut-off for 10 documents, eased for fewer
        found = {c: float(n) for c, n in by_group.items() if n >= 2 or floor == 2}
        minor = {c: n for c, n in found.items() if n < floor}  # of one group, or of two of six or more
    earliest: dict[tuple[str, str], int] = {}
    for cand in candidates:
        for c in cand.concepts & found.keys():
            earliest[c] = min(earliest.get(c, cand.position), cand.position)
    # A story told by several reports is told once, by its lead (``_with_stories``): the bigrams of
    # its reports' other leads would only tell it again in other words.
    reports = Counter(groups)
    retold = {c for cand in candidates if reports[groups[cand.doc]] > 1 for c in cand.concepts}
    weights = {c: w + position_bonus * 0.5 ** earliest[c] for c, w in found.items() if c not in minor}
    weights.update(
        {c: 0.1 if n > 1 or (earliest[c] == 0 and c not in retold) else 0.0 for c, n in minor.items()}
    )
    return weights


def _with_stories(
    candidates: Sequence[_Candidate], groups: Sequence[Hashable], weights: dict[tuple[str, str], float]
) -> tuple[list[_Candidate], dict[tuple[str, str], float]]:
    """The candidates and weights with one more concept per story (group): its reports' leads (each
    one's first sentence that reads on its own) hold it, and it outweighs every bigram together. A
    theme's summary then tells as many of its stories as the budget holds, each by its lead, and
    bigrams choose among them and fill the rest; by bigrams alone, the longest report of one
    story filled the demo's "Sensors and patients" with four sentences about one wristband."""
    leads: dict[int, int] = {}
    for c in candidates:
        if not c.dependent:
            leads.setdefault(c.doc, c.position)
    story = {d: ("", f"story {group!r}") for d, group in enumerate(groups)}  # no stem is empty
    worth = 1 + sum(weights.values())
    return (
        [
            replace(c, concepts=c.concepts | {story[c.doc]}) if leads.get(c.doc) == c.position else c
            for c in candidates
        ],
        weights | dict.fromkeys(story.values(), worth),
    )


def _rows(fitting: Sequence[_Candidate], index: dict[tuple[str, str], int]) -> Any:
    """The integer program's "<= 0" rows over the columns [s_1..s_n, c_1..c_m] (sentences chosen,
    concepts counted):

    - s_j - c_i <= 0 for each concept i of sentence j: a chosen sentence covers its concepts;
    - c_i - (sum of s_j holding it) <= 0: a concept counts only if a chosen sentence holds it;
    - s_j - s_before <= 0 for a dependent sentence: only with the one right before it in its
      document (chosen sentences are printed in document order, so the two stand together), and
      s_j <= 0 when that one is no candidate.
    """
    from scipy.sparse import coo_array

    n = len(fitting)
    rows: list[list[tuple[int, float]]] = []  # each row: (column, coefficient) pairs
    holders: dict[int, list[int]] = {}
    for j, c in enumerate(fitting):
        for k in c.concepts:
            if k in index:
                rows.append([(j, 1.0), (n + index[k], -1.0)])
                holders.setdefault(index[k], []).append(j)
    for i, js in holders.items():
        rows.append([(n + i, 1.0), *((j, -1.0) for j in js)])
    at = {(c.doc, c.position): j for j, c in enumerate(fitting)}
    for j, c in enumerate(fitting):
        before = at.get((c.doc, c.position - 1))
        if c.dependent:
            rows.append([(j, 1.0)] + ([(before, -1.0)] if before is not None else []))
    cells = [(r, col, value) for r, row in enumerate(rows) for col, value in row]
    return coo_array(
        ([v for _, _, v in cells], ([r for r, _, _ in cells], [col for _, col, _ in cells])),
        shape=(len(rows), n + len(index)),
    )


def _apart(fitting: Sequence[_Candidate], columns: int) -> list[Any]:
    """s_j + s_k <= 1 for two sentences that say nearly the same (half their concepts or more are
    shared: two releases announced in one template, a standfirst and the lead that restates it):
    the second would add little and read as a repeat."""
    from scipy.optimize import LinearConstraint
    from scipy.sparse import coo_array

    holders: dict[tuple[str, str], list[int]] = {}
    for j, c in enumerate(fitting):
        for k in c.concepts:
            holders.setdefault(k, []).append(j)
    pairs = []
    for j, c in enumerate(fitting):  # only sentences that share a concept can say the same
        shared = Counter(k for concept in c.concepts for k in holders[concept] if k > j)
        size = len(c.concepts)
        pairs += [(j, k) for k, n in shared.items() if n >= 0.5 * (size + len(fitting[k].concepts) - n)]
    if not pairs:
        return []
    rows = [r for r in range(len(pairs)) for _ in (0, 1)]
    cols = [c for pair in pairs for c in pair]
    return [LinearConstraint(coo_array(([1.0] * len(cols), (rows, cols)), shape=(len(pairs), columns)), 0, 1)]


def _best_cover(
    candidates: Sequence[_Candidate], weights: dict[tuple[str, str], float], max_words: int
) -> list[_Candidate]:
    """The sentences that together cover the most concept weight within the word budget:
    max sum(w_i c_i) subject to sum(l_j s_j) <= budget, a concept counted (c_i = 1) only if a
    chosen sentence holds it, every concept of a chosen sentence counted, and dependent sentences
    only after their antecedent. Among equal covers, the fewest words, then the earliest documents."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    fitting = [c for c in candidates if c.length <= max_words]
    if not fitting:
        return []
    concepts = sorted({k for c in fitting for k in c.concepts if k in weights})
    index = {k: n for n, k in enumerate(concepts)}
    n, m = len(fitting), len(concepts)
    length = np.concatenate([[c.length for c in fitting], np.zeros(m)])
    # A word costs a little, far less than any concept is worth: a sentence that adds nothing new
    # is left out even when the budget has room. A later document costs less still: of a sentence
    # that several reports carry word for word, the earliest is quoted, before what follows it.
    cost = 1e-4 * length[:n] + 1e-6 * np.array([c.doc for c in fitting])
    objective = np.concatenate([cost, [-weights[k] for k in concepts]])
    result = milp(
        objective,
        integrality=np.ones(n + m),
        bounds=Bounds(0, 1),
        constraints=[
            LinearConstraint(_rows(fitting, index), -np.inf, 0),
            LinearConstraint(length[None, :], 0, max_words),
            *_apart(fitting, n + m),
        ],
        options={"time_limit": 20.0},
    )
    if result.x is None:  # no solution in time (never seen at 10 documents): nothing rather than junk
        return []
    return [c for j, c in enumerate(fitting) if result.x[j] > 0.5]


def lead_sentence(doc: SourceDoc, settings: SummarySettings | None = None) -> CitedSentence | None:
    """The sentence of ``doc`` that stands beside its trend's name on its own: the first that a summary
    could take and that needs nothing before it; in news, the lead ("A diabetes clinic has started a
    study of ..."). A later sentence often leans on the lead without a pronoun ("For Textura Labs the
    study is the first step ...")."""
    standing = [c for c in _candidates([doc], settings or SummarySettings()) if not c.dependent]
    fit = next((c for c in standing if not c.voiced), standing[0] if standing else None)
    return CitedSentence(fit.text, doc.id) if fit else None


def summarize(docs: Sequence[SourceDoc], settings: SummarySettings | None = None) -> Summary:
    """A summary of at most ``max_words`` words from whole sentences of ``docs``, each cited."""
    settings = settings or SummarySettings()
    candidates = _candidates(docs, settings)
    if not candidates:
        return Summary(())
    groups = [doc.group if doc.group is not None else ("doc", d) for d, doc in enumerate(docs)]
    weights = _weights(candidates, groups, settings.position_bonus)
    # What every report says counts, but a paper quotes it from a sentence in no one's own voice where
    # there is one: a member reads a source's "we" as the cluster, its "you" as themselves.
    candidates = [c for c in candidates if not c.voiced] or candidates
    if any(doc.group is not None for doc in docs) and len(set(groups)) > 1:  # a theme of stories
        candidates, weights = _with_stories(candidates, groups, weights)
    preferred = base_language(settings.language)
    own = {
        d
        for d, doc in enumerate(docs)
        if preferred is None or base_language(doc.language) in (preferred, None)
    }
    chosen = _best_cover([c for c in candidates if c.doc in own], weights, settings.max_words)
    others = [c for c in candidates if c.doc not in own]
    left = settings.max_words - sum(c.length for c in chosen)
    if others and left > 0:  # the budget the paper's language left: other languages, new concepts only
        covered = set().union(*(c.concepts for c in chosen))
        chosen += _best_cover(others, {k: w for k, w in weights.items() if k not in covered}, left)
    chosen.sort(key=lambda c: (c.doc not in own, c.doc, c.position))
    return Summary(tuple(CitedSentence(c.text, docs[c.doc].id) for c in chosen))
