"""Why an industry has no trends, in words, with the counts and the setting to look at."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from summarize import store
from summarize.assign import AssignSettings
from summarize.trends import TrendSettings, window_start
from summarize.wording import ENGLISH, Wording


def why_no_trends(
    conn: sa.Connection,
    industry: str,
    assign: AssignSettings,
    trends: TrendSettings,
    wording: Wording = ENGLISH,
) -> str:
    """The reason the latest analysis of ``industry`` found no trend (or that there was none), in the
    language of ``wording``; the settings keep their names."""
    tr = wording
    state = store.load_analysis_state(conn, industry)
    if state is None:
        return tr.gettext("not analysed yet (run `trendpapers analyze`)")
    since = datetime.combine(window_start(state.as_of, state.window_days), time.min, tzinfo=UTC)
    until = datetime.combine(state.as_of + timedelta(days=1), time.min, tzinfo=UTC)
    counts = store.window_counts(conn, industry, since, until)
    window = tr.gettext("the %(days)d days up to %(as_of)s") % {
        "days": state.window_days,
        "as_of": tr.date(state.as_of),
    }
    if counts.latest is None:
        return tr.gettext(
            "no documents at all yet: `trendpapers status` shows what ingest fetched and why items "
            "have no text"
        )
    if counts.scored == 0:
        latest = tr.gettext(" (the latest is dated %(day)s)") % {"day": tr.date(counts.latest.date())}
        return tr.gettext(
            "no documents dated in %(window)s%(latest)s: analyze with --as-of, or a longer window_days"
        ) % {"window": window, "latest": latest}
    if counts.assigned == 0:
        best = ""
        if counts.best_unassigned is not None:
            best = tr.gettext("; the best scored %(score)s") % {"score": tr.decimal(counts.best_unassigned)}
        documents = tr.ngettext("%(num)d document", "%(num)d documents", counts.scored) % {
            "num": counts.scored
        }
        return tr.gettext(
            "none of the %(documents)s of %(window)s reached assign_threshold %(threshold)s%(best)s: "
            "check the industry's description and keywords"
        ) % {"documents": documents, "window": window, "threshold": f"{assign.threshold:.2f}", "best": best}
    documents = tr.ngettext("%(num)d document", "%(num)d documents", counts.assigned) % {
        "num": counts.assigned
    }
    stories = tr.ngettext("%(num)d story", "%(num)d stories", counts.stories) % {"num": counts.stories}
    return tr.gettext(
        "%(documents)s of %(window)s in %(stories)s, but no theme reached min_trend_documents (%(least)d): "
        "more sources, a longer window_days, or a lower trend_threshold (%(threshold)s)"
    ) % {
        "documents": documents,
        "window": window,
        "stories": stories,
        "least": trends.min_documents,
        "threshold": f"{trends.threshold:g}",
    }
