"""The fake embedder keeps the embedder protocol and gives vectors worth grouping, the same in every
process: tests that use it in place of the model rely on exactly that."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from summarize.embed import Embedder
from tests.fakes import HashingEmbedder

RECYCLING = "Nordweave opens a textile recycling line that turns old garments into recycled fibre."
MORE_RECYCLING = "Restrand spins recycled fibre from sorted garments; textile recycling grows."
TRUCKS = "Hauliers in Hallsund ordered forty electric trucks and charging depots."


def test_rows_are_unit_float32_in_input_order_and_empty_input_has_the_width() -> None:
    embedder: Embedder = HashingEmbedder()  # the protocol the analysis takes
    vectors = embedder.embed([RECYCLING, TRUCKS, "", "1234 !!"])
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    assert np.array_equal(embedder.embed([TRUCKS])[0], vectors[1])
    assert embedder.embed([]).shape == (0, 384)


def test_texts_that_share_words_are_close_and_others_are_not() -> None:
    a, b, c = HashingEmbedder().embed([RECYCLING, MORE_RECYCLING, TRUCKS])
    assert float(a @ b) > 0.4  # the grouping thresholds of stories and trends are 0.29 and 0.19
    assert abs(float(a @ c)) < 0.2


def test_calls_count_batches_as_the_model_does_and_the_id_is_only_a_label() -> None:
    first, second = HashingEmbedder("model-a"), HashingEmbedder("model-b")
    first.embed([RECYCLING] * 65)
    first.embed([])
    assert (first.calls, first.texts, first.model_id) == (2, 65, "model-a")
    assert np.array_equal(first.embed([TRUCKS]), second.embed([TRUCKS]))


def test_vectors_are_the_same_in_another_process() -> None:
    """Python's own ``hash`` of a string differs per process; the analysis stores vectors and reads them
    back in later runs, so a fake built on it would break exactly what the tests check."""
    code = f"from tests.fakes import HashingEmbedder; print(HashingEmbedder().embed([{TRUCKS!r}]).tobytes().hex())"
    root = str(Path(__file__).parents[1])
    env = {**os.environ, "PYTHONPATH": root, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == HashingEmbedder().embed([TRUCKS]).tobytes().hex()
