"""The analysis stage's settings, gathered: what ``[analysis]`` and ``[cluster]`` configure, without
loading the stage itself (the store, the model) — the configuration loader and the CLI read it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from summarize.assign import AssignSettings
from summarize.embed import AUTO, EmbedSettings
from summarize.members import MatchSettings
from summarize.names import NameSettings
from summarize.opportunities import OpportunitySettings
from summarize.records import FIELD, Industry
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
    opportunities: OpportunitySettings = field(default_factory=OpportunitySettings)
    # Documents per committed step. Those of one step are clustered together; a later step's join
    # existing stories by the same rule, which comes close to but not always to the same grouping,
    # so the step is large enough to hold a usual run (and the evaluation sets) whole.
    batch: int = 2000
    summary_documents: int = 10  # the most central documents of a trend that its summary reads
    stories_summarized: int = 5  # per trend, the largest stories get a summary of their own
    as_of: date | None = None  # the day the trend window ends; None: today (UTC)
    abstractive: str | None = None  # a model that may rewrite summary sentences (see ``abstractive``)


@dataclass(frozen=True)
class ClusterSettings:
    """What the cluster's members do (its field, scored like an industry under the slug ``FIELD``,
    without trends or a paper of its own), where its member file is, and how members are matched."""

    field_text: str | None = None  # "Virtual engineering: simulation, PLM, CAE"; None: no field
    description: str | None = None  # what the field covers; None: field_text
    keywords: tuple[str, ...] = ()
    patent_classes: tuple[str, ...] = ()  # CPC/IPC prefixes, normalised as an industry's
    members_file: Path | None = None  # the cluster's member file (TOML or CSV); never published
    show_members: bool = False  # member matches on the public site too (default: for the editors only)
    matching: MatchSettings = dataclasses.field(default_factory=MatchSettings)

    @property
    def field(self) -> Industry | None:
        """The field as the analysis scores it; None when the workspace names none."""
        if not self.field_text:
            return None
        # "virtual engineering: simulation, PLM, CAE": the name is what comes before the colon.
        name = self.field_text.split(":", 1)[0].strip()
        return Industry(
            slug=FIELD,
            name=name[:1].upper() + name[1:],
            description=self.description or self.field_text,
            keywords=self.keywords,
            patent_classes=self.patent_classes,
        )
