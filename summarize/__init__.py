"""Summarize: Document → Embedding, Story, Trend (the analysis stage; built by the analysis issue)."""

from summarize.records import Industry

__all__ = ["Industry"]
