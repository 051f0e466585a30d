"""Scores for the evaluation: story clusterings against gold labels, summaries against references.

Clusterings: pairwise precision/recall/F1 (over pairs of items placed together), BCubed
precision/recall/F1 (per item, averaged) and the adjusted Rand index. Summaries: ROUGE-N recall as
ROUGE-1.5.5 computes it with ``-m`` (Porter stemming of tokens longer than three characters, no
stop-word removal), pooled over all references of a cluster.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from math import comb

from summarize.text import stem


@dataclass(frozen=True)
class PRF:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


@dataclass(frozen=True)
class ClusteringScores:
    items: int
    pairwise: PRF
    bcubed: PRF
    adjusted_rand: float


def _check(gold: Mapping[Hashable, Hashable], predicted: Mapping[Hashable, Hashable]) -> None:
    missing = set(gold) - set(predicted)
    extra = set(predicted) - set(gold)
    if missing or extra:
        raise ValueError(
            f"predicted and gold ids differ: {len(missing)} missing from the prediction, "
            f"{len(extra)} not in the gold labels (e.g. {sorted(map(str, missing | extra))[:3]})"
        )


def score_clustering(
    gold: Mapping[Hashable, Hashable], predicted: Mapping[Hashable, Hashable]
) -> ClusteringScores:
    """Compare a clustering (item → cluster) with gold labels over the same items."""
    _check(gold, predicted)
    ids = list(gold)
    joint = Counter((gold[i], predicted[i]) for i in ids)
    gold_sizes = Counter(gold[i] for i in ids)
    pred_sizes = Counter(predicted[i] for i in ids)
    together = sum(comb(n, 2) for n in joint.values())
    gold_pairs = sum(comb(n, 2) for n in gold_sizes.values())
    pred_pairs = sum(comb(n, 2) for n in pred_sizes.values())
    # No pairs on a side means nothing to get wrong there: precision (recall) is perfect.
    pairwise = PRF(together / pred_pairs if pred_pairs else 1.0, together / gold_pairs if gold_pairs else 1.0)
    n = len(ids)
    bcubed = PRF(
        sum(joint[(gold[i], predicted[i])] / pred_sizes[predicted[i]] for i in ids) / n if n else 1.0,
        sum(joint[(gold[i], predicted[i])] / gold_sizes[gold[i]] for i in ids) / n if n else 1.0,
    )
    total = comb(n, 2)
    expected = gold_pairs * pred_pairs / total if total else 0.0
    best = (gold_pairs + pred_pairs) / 2
    ari = (together - expected) / (best - expected) if best != expected else 1.0
    return ClusteringScores(n, pairwise, bcubed, ari)


_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def rouge_tokens(text: str) -> list[str]:
    """Tokens as ROUGE-1.5.5 sees them: lower case, alphanumeric runs, stems of words over 3 letters."""
    return [stem(t) if len(t) > 3 else t for t in _NON_ALNUM.sub(" ", text.lower()).split()]


def _ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def rouge_recall(summary: str, references: Sequence[str], n: int) -> float:
    """ROUGE-N recall of ``summary`` against ``references``: matched n-grams / reference n-grams."""
    if not references:
        raise ValueError("ROUGE needs at least one reference summary")
    peer = _ngrams(rouge_tokens(summary), n)
    hits = total = 0
    for reference in references:
        model = _ngrams(rouge_tokens(reference), n)
        hits += sum(min(count, peer[gram]) for gram, count in model.items())
        total += sum(model.values())
    return hits / total if total else 0.0


def truncate_words(text: str, max_words: int) -> str:
    """The first ``max_words`` words (ROUGE's ``-l``)."""
    return " ".join(text.split()[:max_words])
