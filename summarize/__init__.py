"""Summarize: documents → embeddings, industry scores, stories, trends and cited summaries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest.lazy import lazy_exports

if TYPE_CHECKING:
    from summarize.analyze import AnalysisReport, AnalysisSettings, run_analysis
    from summarize.embed import DEFAULT_MODEL, Embedder, EmbedSettings, TransformersEmbedder
    from summarize.records import Industry
    from summarize.summarizer import CitedSentence, SourceDoc, Summary, summarize
    from summarize.trends import Trend

_EXPORTS = {
    "AnalysisReport": "summarize.analyze",
    "AnalysisSettings": "summarize.settings",
    "run_analysis": "summarize.analyze",
    "DEFAULT_MODEL": "summarize.embed",
    "Embedder": "summarize.embed",
    "EmbedSettings": "summarize.embed",
    "TransformersEmbedder": "summarize.embed",
    "Industry": "summarize.records",
    "CitedSentence": "summarize.summarizer",
    "SourceDoc": "summarize.summarizer",
    "Summary": "summarize.summarizer",
    "summarize": "summarize.summarizer",
    "Trend": "summarize.trends",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "DEFAULT_MODEL",
    "AnalysisReport",
    "AnalysisSettings",
    "CitedSentence",
    "EmbedSettings",
    "Embedder",
    "Industry",
    "SourceDoc",
    "Summary",
    "TransformersEmbedder",
    "Trend",
    "run_analysis",
    "summarize",
]
