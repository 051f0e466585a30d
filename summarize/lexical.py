"""Word and name TF-IDF vectors, hashed to a fixed width, for telling events of one kind apart.

Sentence embeddings place "company X buys Y" and "company Z buys W" close together; what tells two
such events apart is in the words: the names, places and numbers above all. A document's story
vector is therefore three unit vectors side by side, each weighted by the square root of its share,
so that the dot product of two story vectors is the weighted mean of three cosines:

- the embedding of the title and lead (what kind of event it is);
- sublinear TF-IDF of the stemmed content words of the whole text (what happened, in detail);
- TF-IDF of its names and numbers: capitalised words and figures (who, where, how much).

Terms are hashed with a stable hash and a sign (the hashing trick), which keeps the vectors dense,
small and the same in every process and run. Names share the document-frequency table with words,
under a prefix.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np

from summarize.text import content_words, stem, stopwords

MAX_TERM = 40  # characters; the lexicon stores terms of up to 200
# Measured on ECB+ and the Gun Violence Corpus (benchmarks/analysis_bench.py): pairwise F1 within
# 0.01 of the exact TF-IDF cosine at 1024 columns per part.
LEXICAL_DIM = 1024
MAX_CHARS = 20_000  # of a text read for terms: a long page says what it is about well before that
NAME_PREFIX = "@"  # names in the document-frequency table: "@boston" is not the word "boston"
# A capitalised word (with inner hyphens or apostrophes) or a figure ("5.6", "2013", "1,200").
_NAME = re.compile(r"\b(?:[A-ZÄÖÜ][^\W_]*(?:[-'’][^\W_]+)*|\d[\d.,]*\d|\d)")


def terms(text: str, language: str | None = None) -> Counter[str]:
    """Stemmed content words of a text, counted (stop words and stems of its language)."""
    # Longer "words" are codes, URLs or encoded blobs: no use for telling events apart.
    return Counter(stem(w, language) for w in content_words(text[:MAX_CHARS], language) if len(w) <= MAX_TERM)


def names(text: str, language: str | None = None) -> Counter[str]:
    """Capitalised words and figures of a text, lower-cased and prefixed with ``NAME_PREFIX``.

    Sentence-initial words count too: a name often opens a sentence, and a capitalised common word
    ("The") is a stop word or weighs little through its document frequency.
    """
    out: Counter[str] = Counter()
    stop = stopwords(language)
    for match in _NAME.finditer(text[:MAX_CHARS]):
        word = match.group().lower()
        if len(word) > 1 and word not in stop and len(word) <= MAX_TERM:
            out[NAME_PREFIX + word] += 1
    return out


@lru_cache(maxsize=262144)
def _slot(term: str) -> tuple[int, float]:
    digest = int.from_bytes(hashlib.blake2b(term.encode(), digest_size=8).digest(), "big")
    return digest % LEXICAL_DIM, 1.0 if (digest >> 63) & 1 else -1.0


def tfidf_vectors(counts: Sequence[Counter[str]], df: Mapping[str, int], n_docs: int) -> np.ndarray:
    """Unit rows of sublinear TF times smoothed IDF, hashed to ``LEXICAL_DIM`` columns."""
    out = np.zeros((len(counts), LEXICAL_DIM), dtype=np.float32)
    for row, doc in enumerate(counts):
        for term, count in doc.items():
            column, sign = _slot(term)
            idf = math.log((1 + n_docs) / (1 + df.get(term, 0))) + 1.0
            out[row, column] += sign * (1.0 + math.log(count)) * idf
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.maximum(norms, 1e-12)


def word_and_name_vectors(
    counts: Sequence[Counter[str]], df: Mapping[str, int], n_docs: int
) -> tuple[np.ndarray, np.ndarray]:
    """TF-IDF rows of the words and, apart, of the names in ``counts`` (``terms`` + ``names``)."""
    words = [Counter({t: n for t, n in c.items() if not t.startswith(NAME_PREFIX)}) for c in counts]
    named = [Counter({t: n for t, n in c.items() if t.startswith(NAME_PREFIX)}) for c in counts]
    return tfidf_vectors(words, df, n_docs), tfidf_vectors(named, df, n_docs)


def story_vectors(parts: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """Unit-row blocks side by side, each times √(its weight share): dot products mix the cosines."""
    total = float(sum(weights))
    return np.hstack([np.sqrt(w / total) * p for p, w in zip(parts, weights, strict=True)]).astype(np.float32)


def lexical_scales(weights: Sequence[float], new: Sequence[float]) -> tuple[float, float]:
    """Factors that turn the words and the names of story vectors made with ``weights`` into those
    ``story_vectors`` makes with the shares ``new``."""
    old, now = float(sum(weights)), float(sum(new))
    # A part grouped with weight 0 is all zeros: there is nothing to scale.
    words, named = (
        float(np.sqrt((n / now) / (w / old))) if w else 0.0 for w, n in zip(weights[1:], new[1:], strict=True)
    )
    return words, named


def names_part(vectors: np.ndarray) -> np.ndarray | None:
    """The names and figures of story vectors (rows, or sums of rows), as scaled in them; None for
    vectors narrower than a story vector (no names in them)."""
    return vectors[..., -LEXICAL_DIM:] if vectors.shape[-1] > 2 * LEXICAL_DIM else None
