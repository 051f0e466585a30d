"""Summarize: documents → embeddings, industry scores, stories, trends and cited summaries; the
cross-sector opportunities between them, and the members they concern."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest.lazy import lazy_exports

if TYPE_CHECKING:
    from summarize.analyze import AnalysisReport, AnalysisSettings, run_analysis
    from summarize.embed import DEFAULT_MODEL, Embedder, EmbedSettings, TransformersEmbedder
    from summarize.members import Match, Member, MemberFile, load_members, match_members
    from summarize.opportunities import Opportunity, find_opportunities
    from summarize.records import FIELD, Industry
    from summarize.settings import ClusterSettings
    from summarize.summarizer import CitedSentence, SourceDoc, Summary, summarize
    from summarize.trends import Trend

_EXPORTS = {
    "AnalysisReport": "summarize.analyze",
    "AnalysisSettings": "summarize.settings",
    "ClusterSettings": "summarize.settings",
    "run_analysis": "summarize.analyze",
    "DEFAULT_MODEL": "summarize.embed",
    "Embedder": "summarize.embed",
    "EmbedSettings": "summarize.embed",
    "TransformersEmbedder": "summarize.embed",
    "FIELD": "summarize.records",
    "Industry": "summarize.records",
    "Match": "summarize.members",
    "Member": "summarize.members",
    "MemberFile": "summarize.members",
    "load_members": "summarize.members",
    "match_members": "summarize.members",
    "Opportunity": "summarize.opportunities",
    "find_opportunities": "summarize.opportunities",
    "CitedSentence": "summarize.summarizer",
    "SourceDoc": "summarize.summarizer",
    "Summary": "summarize.summarizer",
    "summarize": "summarize.summarizer",
    "Trend": "summarize.trends",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "DEFAULT_MODEL",
    "FIELD",
    "AnalysisReport",
    "AnalysisSettings",
    "CitedSentence",
    "ClusterSettings",
    "EmbedSettings",
    "Embedder",
    "Industry",
    "Match",
    "Member",
    "MemberFile",
    "Opportunity",
    "SourceDoc",
    "Summary",
    "TransformersEmbedder",
    "Trend",
    "find_opportunities",
    "load_members",
    "match_members",
    "run_analysis",
    "summarize",
]
