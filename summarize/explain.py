"""Why an industry has no trends, in words, with the counts and the setting to look at."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from ingest.wording import plural
from summarize import store
from summarize.assign import AssignSettings
from summarize.trends import TrendSettings, window_start


def why_no_trends(conn: sa.Connection, industry: str, assign: AssignSettings, trends: TrendSettings) -> str:
    """The reason the latest analysis of ``industry`` found no trend (or that there was none)."""
    state = store.load_analysis_state(conn, industry)
    if state is None:
        return "not analysed yet (run `trendpapers analyze`)"
    since = datetime.combine(window_start(state.as_of, state.window_days), time.min, tzinfo=UTC)
    until = datetime.combine(state.as_of + timedelta(days=1), time.min, tzinfo=UTC)
    counts = store.window_counts(conn, industry, since, until)
    window = f"the {state.window_days} days up to {state.as_of.isoformat()}"
    if counts.scored == 0:
        latest = f" (the latest is dated {counts.latest.date().isoformat()})" if counts.latest else ""
        return f"no documents dated in {window}{latest}: analyze with --as-of, or a longer window_days"
    if counts.assigned == 0:
        best = f"; the best scored {counts.best_unassigned:.2f}" if counts.best_unassigned is not None else ""
        return (
            f"none of the {plural(counts.scored, 'document')} of {window} reached assign_threshold "
            f"{assign.threshold:.2f}{best}: check the industry's description and keywords"
        )
    return (
        f"{plural(counts.assigned, 'document')} of {window} in {plural(counts.stories, 'story', 'stories')}, "
        "but no theme reached "
        f"min_trend_documents ({trends.min_documents}): more sources, a longer window_days, or a lower "
        f"trend_threshold ({trends.threshold:g})"
    )
