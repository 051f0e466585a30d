"""Summarize: documents → embeddings, industry scores, stories, trends and cited summaries."""

from summarize.analyze import AnalysisReport, AnalysisSettings, run_analysis
from summarize.embed import DEFAULT_MODEL, Embedder, EmbedSettings, TransformersEmbedder
from summarize.records import Industry
from summarize.summarizer import CitedSentence, SourceDoc, Summary, summarize
from summarize.trends import Trend

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
