"""The analysis stage's settings, gathered: what ``[analysis]`` configures, without loading the
stage itself (the store, the model) — the configuration loader and the CLI read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from summarize.assign import AssignSettings
from summarize.embed import AUTO, EmbedSettings
from summarize.names import NameSettings
from summarize.stories import StorySettings
from summarize.summarizer import SummarySettings
from summarize.trends import TrendSettings


@dataclass(frozen=True)
class AnalysisSettings:
    # What [analysis] model asks for: "auto" (the English model where the workspace and every source
    # are English, else the multilingual one), "english", "multilingual", a model id or a local
    # folder. The loader resolves it into ``embed.model`` (``embed.choose_model``); code that runs
    # without a file uses ``embed`` as it is.
    model: str = AUTO
    embed: EmbedSettings = field(default_factory=EmbedSettings)
    assign: AssignSettings = field(default_factory=AssignSettings)
    stories: StorySettings = field(default_factory=StorySettings)
    trends: TrendSettings = field(default_factory=TrendSettings)
    summary: SummarySettings = field(default_factory=SummarySettings)
    names: NameSettings = field(default_factory=NameSettings)
    # Documents per committed step. Those of one step are clustered together; a later step's join
    # existing stories by the same rule, which comes close to but not always to the same grouping,
    # so the step is large enough to hold a usual run (and the evaluation sets) whole.
    batch: int = 2000
    summary_documents: int = 10  # the most central documents of a trend that its summary reads
    stories_summarized: int = 5  # per trend, the largest stories get a summary of their own
    as_of: date | None = None  # the day the trend window ends; None: today (UTC)
    abstractive: str | None = None  # a model that may rewrite summary sentences (see ``abstractive``)
