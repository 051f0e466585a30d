"""Stand-ins for what a test is not about. Nothing here replaces the code a test is about.

``HashingEmbedder`` takes the place of the transformer where the model is not the subject (drafting,
merging, the site, the lifecycle, the analysis's bookkeeping): it implements the same protocol as
``summarize.embed.TransformersEmbedder`` (``model_id``, ``embed`` → unit float32 rows, a ``calls``
counter of batches), needs no torch, and is deterministic across processes and runs. Its vectors are
hashed bags of words, so texts that share words are similar and texts that share none are not: the
stages that group and assign documents still get vectors worth grouping. Where the model's quality
is the subject (analysis of the demo, names, stories, assignment), tests use the real model.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

# Words too common to say what a text is about; without them, unrelated English texts are near 0.
_STOP = frozenset(
    "a about after all also an and are as at be been but by can for from has have in into is it its "
    "more new not of on or our over that the their they this to under was were which will with".split()
)
_WORD = re.compile(r"[^\W\d_]{2,}")


def _bucket(term: str, dimension: int) -> tuple[int, float]:
    """A stable column and sign for a term (Python's own ``hash`` differs per process)."""
    digest = hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest[:4], "little") % dimension, 1.0 if digest[4] & 1 else -1.0


class HashingEmbedder:
    """A deterministic embedder: each text is the unit sum of its hashed, crudely stemmed words."""

    def __init__(self, model_id: str = "tests/hashing-bag-of-words", dimension: int = 384) -> None:
        self._model_id = model_id
        self.dimension = dimension
        self.batch_size = 64  # as the real model's default: ``calls`` counts batches, as it does
        self.calls = 0
        self.texts = 0  # texts embedded so far

    @property
    def model_id(self) -> str:
        return self._model_id

    def vector(self, text: str) -> np.ndarray:
        row = np.zeros(self.dimension, dtype=np.float64)
        for word in _WORD.findall(text.lower()):
            if word not in _STOP:
                stem = word[:-1] if len(word) > 3 and word.endswith("s") else word
                column, sign = _bucket(stem[:6], self.dimension)  # "recycling", "recycled": "recycl"
                row[column] += sign
        norm = float(np.linalg.norm(row))
        if norm == 0.0:  # no words (an empty text): still a unit row, as the real model gives
            row[0], norm = 1.0, 1.0
        return (row / norm).astype(np.float32)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit float32 row per text, in input order."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        self.calls += -(-len(texts) // self.batch_size)
        self.texts += len(texts)
        return np.stack([self.vector(t) for t in texts])
