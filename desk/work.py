"""What the editors do at the desk, as functions of typed records: the papers and what changed since
an editor last looked, a paper opened and saved (never over a newer version), a proposal decided
change by change, a paper approved, published or withdrawn (the commands' own code), a trend renamed.

Every change to a paper file is made under the workspace lock, as the commands make theirs, so a
draft running meanwhile cannot merge into a file the desk is writing (nor the other way round).
Every action is recorded in the desk's events with who, from where and when. What the desk says
(its messages, the events' details) is in the workspace's language (``Desk.texts``); messages of the
commands' own code that it passes on (``InputError``, ``SiteError``) stay as those commands say them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path

import sqlalchemy as sa

from desk import store
from desk.proposals import Proposal, apply_decisions, read_proposal
from ingest.errors import InputError, LockError, SiteError, TrendpapersError
from papers import frontmatter
from papers import store as papers_store
from papers.draft import proposal_path
from papers.files import read_paper, write_atomic
from papers.i18n import Texts
from papers.lifecycle import TRANSITIONS
from papers.merge import MergeResult, conflict_line, merge3
from summarize import store as analysis
from trendpapers.config import Config
from trendpapers.lock import workspace_lock


@dataclass(frozen=True)
class Actor:
    """Who does something at the desk, and from which address."""

    name: str
    address: str


@dataclass(frozen=True)
class Desk:
    """The workspace the desk serves, and its opened store."""

    config: Config
    engine: sa.Engine

    def industry_name(self, slug: str) -> str:
        return next((i.name for i in self.config.industries if i.slug == slug), slug)

    @cached_property
    def texts(self) -> Texts:
        """The desk's words, dates and numbers, in the workspace's language."""
        return Texts(self.config.language)


@dataclass(frozen=True)
class Opened:
    """A paper as the desk shows it: its row, its file's text (None when the file is missing or
    unreadable, with the problem in words) and the proposal waiting beside it."""

    row: papers_store.PaperRow
    path: Path
    text: str | None
    newline: str
    problem: str | None
    proposal: str | None  # the proposal file's text, if there is one
    missing: bool = False  # the file is not there (saving writes it again)

    @property
    def sha(self) -> str:
        return store.sha(self.text or "")

    @property
    def proposal_sha(self) -> str | None:
        return store.sha(self.proposal) if self.proposal is not None else None


def _row(desk: Desk, conn: sa.Connection, industry: str, edition: str) -> papers_store.PaperRow:
    row = papers_store.get_paper(conn, industry, edition)
    if row is None:
        raise InputError(desk.texts.gettext("no paper %(paper)s") % {"paper": f"{industry} {edition}"})
    return row


def open_paper(desk: Desk, conn: sa.Connection, industry: str, edition: str) -> Opened:
    """The paper ``industry`` ``edition`` as it is now (an ``InputError`` if there is no such paper)."""
    row = _row(desk, conn, industry, edition)
    path = desk.config.papers_dir / row.path
    text, newline, problem, missing = None, "\n", None, False
    try:
        text, newline = read_paper(path)
    except FileNotFoundError:
        said = desk.texts.gettext("%(path)s: the file is missing (saving here writes it again)")
        problem, missing = said % {"path": path}, True
    except InputError as exc:
        problem = str(exc)
    try:
        proposal: str | None = read_paper(proposal_path(path))[0]
    except (FileNotFoundError, InputError):
        proposal = None
    return Opened(row, path, text, newline, problem, proposal, missing)


# --- the papers, and what changed since an editor last looked --------------------------------------


@dataclass(frozen=True)
class PaperLine:
    """A paper in the desk's list, with what is new to this editor."""

    industry: str
    industry_name: str
    edition: str
    status: str
    problem: str | None
    proposal: bool
    news: tuple[str, ...]  # e.g. "new to you", "text changed", "approved since you looked" (translated)


def _news(tr: Texts, opened: Opened, view: store.View | None) -> tuple[str, ...]:
    if view is None:
        return (tr.gettext("new to you"),)
    news = []
    if opened.row.status != view.status:
        news.append(
            tr.gettext("%(status)s since you looked") % {"status": tr.paper_status(opened.row.status)}
        )
    if opened.sha != view.text_sha:
        news.append(tr.gettext("text changed"))
    if opened.proposal_sha is not None and opened.proposal_sha != view.proposal_sha:
        news.append(tr.gettext("new proposal"))
    return tuple(news)


def paper_lines(desk: Desk, editor: str) -> list[PaperLine]:
    """Every paper, by industry (in the configured order) and edition (newest first)."""
    order = {i.slug: n for n, i in enumerate(desk.config.industries)}
    with desk.engine.connect() as conn:
        rows = sorted(
            papers_store.list_papers(conn),
            key=lambda r: (order.get(r.industry, len(order)), r.industry, -r.edition_start.toordinal()),
        )
        seen = store.get_views(conn, editor)
        lines = []
        for row in rows:
            opened = open_paper(desk, conn, row.industry, row.edition)
            lines.append(
                PaperLine(
                    row.industry,
                    desk.industry_name(row.industry),
                    row.edition,
                    row.status,
                    opened.problem,
                    opened.proposal is not None,
                    _news(desk.texts, opened, seen.get((row.industry, row.edition))),
                )
            )
    return lines


@dataclass(frozen=True)
class Look:
    """What changed in a paper since the editor last opened it."""

    first: bool  # never opened it before
    since: datetime | None
    news: tuple[str, ...]
    diff: tuple[tuple[str, str], ...]  # (kind: add, del, ctx, at; line) of the text
    history: tuple[tuple[str, str | None, datetime], ...]  # status changes since then


_STAMPS = re.compile(r"^(?:status|(?:generated|approved|published|withdrawn)_(?:at|by)): .*\n", re.M)


def diff_lines(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """A unified diff of two texts as (kind: add, del, ctx, at; line) pairs, for showing: a gap
    between hunks is "⋯" (for editors, not "@@ -23,4 +23,6 @@")."""
    out = []
    for line in list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=2))[2:]:
        kind = {"+": "add", "-": "del", "@": "at"}.get(line[:1], "ctx")
        out.append((kind, "⋯" if kind == "at" else line))
    return tuple(out)


def look(desk: Desk, editor: str, industry: str, edition: str, now: datetime) -> tuple[Opened, Look]:
    """Open a paper for ``editor``: the paper, and what changed since their last look, which is
    then recorded as this one (with the text seen, so the next look and a save can compare)."""
    with desk.engine.begin() as conn:
        opened = open_paper(desk, conn, industry, edition)
        view = store.get_views(conn, editor).get((industry, edition))
        diff: tuple[tuple[str, str], ...] = ()
        history: tuple[tuple[str, str | None, datetime], ...] = ()
        if view is not None:
            if view.text_sha != opened.sha:
                old = store.get_snapshot(conn, view.text_sha)
                # What the status changes and a re-draft's time stamp write is no edit: the history says it.
                diff = (
                    diff_lines(_STAMPS.sub("", old), _STAMPS.sub("", opened.text or ""))
                    if old is not None
                    else ()
                )
            history = tuple(  # what others did: one's own actions are no news
                e for e in papers_store.events(conn, industry, edition) if e[2] > view.at and e[1] != editor
            )
        news = _news(desk.texts, opened, view)
        if view is not None and view.text_sha != opened.sha and not diff:  # stamps only: no news
            news = tuple(n for n in news if n != desk.texts.gettext("text changed"))
        result = Look(view is None, view.at if view else None, news, diff, history)
        _seen(conn, editor, opened, now)
    return opened, result


def _seen(conn: sa.Connection, editor: str, opened: Opened, now: datetime) -> None:
    """Record that ``editor`` has seen the paper as ``opened`` (its texts kept for later comparison)."""
    text_sha = store.keep_snapshot(conn, opened.text or "", now)
    proposal_sha = store.keep_snapshot(conn, opened.proposal, now) if opened.proposal is not None else None
    row = opened.row
    store.save_view(
        conn, editor, row.industry, row.edition, store.View(text_sha, proposal_sha, row.status, now)
    )


# --- saving -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    """The outcome of a save: ``saved``, ``unchanged`` or ``conflict``. On a conflict the file
    changed since the editor opened it: ``current`` is what is there now (kept), ``merged`` the
    editor's text merged with it against the version opened (None if that is no longer known),
    ``kept_as`` the sha under which the editor's text is kept in the store, and ``by`` who saved
    the newer version, if it was saved at the desk."""

    outcome: str
    event: int
    current: str
    current_sha: str
    merged: MergeResult | None = None
    kept_as: str | None = None
    by: store.Event | None = None


def _last_save(conn: sa.Connection, industry: str, edition: str, sha: str) -> store.Event | None:
    """The desk's save that wrote the version ``sha`` (its event's detail ends with the short sha)."""
    for event in store.recent_events(conn, 50, industry, edition):
        if event.action == "saved" and event.detail.endswith(f"[{sha[:12]}]"):
            return event
    return None


def save_text(
    desk: Desk, actor: Actor, industry: str, edition: str, text: str, opened_sha: str, now: datetime
) -> Saved:
    """Write ``text`` as the paper, unless its file changed since the editor opened the version
    ``opened_sha``: then nothing is written and both versions come back, with a merge to offer.
    A ``LockError`` when a command is writing to the workspace."""
    text = text.replace("\r\n", "\n")
    # A paper whose front matter does not parse cannot be approved, and a published one would stop
    # the site's build: such a text is not written (the editor keeps it in the page to mend).
    frontmatter.split(text, f"{industry} {edition}")
    tr = desk.texts
    # Nor one with a conflict left unresolved: the preview, approval and the site's build all stop
    # at it (and a save is not the place to keep both versions: the desk keeps every text saved).
    if (line := conflict_line(text)) is not None:
        raise InputError(
            tr.gettext(
                "line %(line)d still marks a conflict ('<<<<<<<'): keep one version of each marked place, "
                "delete the lines '<<<<<<<', '=======' and '>>>>>>>', then save"
            )
            % {"line": line}
        )
    lock = workspace_lock(desk.config.root, f"desk: {actor.name} saves {industry} {edition}")
    with lock, desk.engine.begin() as conn:
        opened = open_paper(desk, conn, industry, edition)
        if opened.problem and not opened.missing:  # unreadable: not to be overwritten blindly
            raise InputError(opened.problem)
        current = opened.text or ""
        name = f"{industry} {edition}"
        # A file gone since the editor opened it has nothing to lose: their text writes it again. A
        # text the same as the file's (a second click on Save) is no conflict, whoever saved it.
        if opened.sha != opened_sha and not opened.missing and text != current:
            base = store.get_snapshot(conn, opened_sha)
            merged = (
                merge3(
                    base,
                    text,
                    current,
                    ours_label=tr.pgettext("conflict marker", "yours"),
                    theirs_label=tr.pgettext("conflict marker", "saved meanwhile"),
                )
                if base is not None
                else None
            )
            kept = store.keep_snapshot(conn, text, now)
            by = _last_save(conn, industry, edition, opened.sha)
            said = tr.gettext(
                "%(paper)s changed since %(editor)s opened it; nothing was overwritten, "
                "and their text is kept"
            )
            event = store.add_event(
                conn,
                now,
                actor.name,
                actor.address,
                "save refused",
                said % {"paper": name, "editor": actor.name} + f" [{kept[:12]}]",
                industry,
                edition,
            )
            return Saved("conflict", event, current, opened.sha, merged, kept, by)
        if text == current and opened.text is not None:
            event = store.add_event(
                conn,
                now,
                actor.name,
                actor.address,
                "save",
                tr.gettext("%(paper)s: no changes to save") % {"paper": name},
                industry,
                edition,
            )
            return Saved("unchanged", event, current, opened.sha)
        write_atomic(opened.path, text, opened.newline)
        digest = store.keep_snapshot(conn, text, now)
        store.save_view(
            conn,
            actor.name,
            industry,
            edition,
            store.View(digest, opened.proposal_sha, opened.row.status, now),
        )
        warnings = [tr.gettext("its file was missing and is written again")] if opened.missing else []
        published = opened.row.status == "published"
        if published:
            warnings.append(
                tr.gettext(
                    "the paper is published: members see the change once the site is updated (below), "
                    "or at its next build"
                )
            )
        elif opened.row.status == "approved":
            warnings.append(tr.gettext("the paper is approved: it was approved as it was before"))
        detail = (
            tr.gettext("%(paper)s saved") % {"paper": name}
            + (f" ({'; '.join(warnings)})" if warnings else "")
            + f" [{digest[:12]}]"
        )
        event = store.add_event(conn, now, actor.name, actor.address, "saved", detail, industry, edition)
        return Saved("saved", event, text, digest)


# --- proposals --------------------------------------------------------------------------------------


def proposal_of(desk: Desk, industry: str, edition: str) -> tuple[Opened, Proposal] | None:
    """The waiting proposal of a paper as changes to its text now; None if there is none."""
    with desk.engine.connect() as conn:
        opened = open_paper(desk, conn, industry, edition)
        if opened.proposal is None or opened.text is None:
            return None
        earlier = store.last_decisions(conn, industry, edition)
        proposal = read_proposal(opened.text, opened.proposal, opened.row.pending, opened.row.base, earlier)
    return opened, proposal


@dataclass(frozen=True)
class Decided:
    event: int
    accepted: int
    rejected: int


class StaleError(TrendpapersError):
    """The paper or its proposal changed since the editor's page showed it."""


def decide_proposal(
    desk: Desk,
    actor: Actor,
    industry: str,
    edition: str,
    paper_sha: str,
    proposal_sha: str,
    accept: dict[str, bool],
    now: datetime,
    accept_all: bool = False,
) -> Decided:
    """Apply the editor's decisions (change key → accept?) to a proposal: the paper gets the accepted
    changes, the proposal file is deleted (the next draft takes its generated side as the merge
    base, so a rejected change is not proposed again), and every decision is recorded.

    A ``StaleError`` if the paper or the proposal is no longer what the editor decided on; an
    ``InputError`` if a change has no decision (``accept_all``: every change accepted)."""
    tr = desk.texts
    name = f"{industry} {edition}"
    lock = workspace_lock(
        desk.config.root, f"desk: {actor.name} decides the proposal of {industry} {edition}"
    )
    with lock, desk.engine.begin() as conn:
        opened = open_paper(desk, conn, industry, edition)
        if opened.text is None or opened.proposal is None:
            raise StaleError(
                tr.gettext("%(paper)s: there is no proposal waiting (any more)") % {"paper": name}
            )
        if opened.sha != paper_sha or opened.proposal_sha != proposal_sha:
            said = tr.gettext(
                "%(paper)s: the paper or its proposal changed since your page showed it; "
                "here are the changes as they are now"
            )
            raise StaleError(said % {"paper": name})
        earlier = store.last_decisions(conn, industry, edition)
        proposal = read_proposal(opened.text, opened.proposal, opened.row.pending, opened.row.base, earlier)
        if accept_all:
            accept = {c.key: True for c in proposal.changes}
        missing = [c.number for c in proposal.changes if c.key not in accept]
        if missing:
            said = tr.gettext("choose accept or reject for every change (not decided: %(changes)s)")
            raise InputError(said % {"changes": ", ".join(map(str, missing))})
        accepted = {c.number for c in proposal.changes if accept[c.key]}
        result = apply_decisions(proposal, opened.text, accepted)
        if result != opened.text:
            write_atomic(opened.path, result, opened.newline)
        proposal_path(opened.path).unlink()
        store.add_decisions(
            conn,
            industry,
            edition,
            [
                (
                    c.key,
                    "accept" if c.number in accepted else "reject",
                    "".join(c.current),
                    "".join(c.proposed),
                )
                for c in proposal.changes
            ],
            actor.name,
            now,
        )
        digest = store.keep_snapshot(conn, result, now)
        store.save_view(conn, actor.name, industry, edition, store.View(digest, None, opened.row.status, now))
        rejected = len(proposal.changes) - len(accepted)
        said = tr.gettext(
            "%(paper)s: proposal decided, %(accepted)d change(s) accepted, %(rejected)d rejected; "
            "the proposal file was removed"
        )
        detail = said % {"paper": name, "accepted": len(accepted), "rejected": rejected} + f" [{digest[:12]}]"
        event = store.add_event(
            conn, now, actor.name, actor.address, "proposal decided", detail, industry, edition
        )
    return Decided(event, len(accepted), rejected)


# --- approve, publish, withdraw --------------------------------------------------------------------


@dataclass(frozen=True)
class StatusOutcome:
    event: int
    ok: bool
    message: str  # in words: what happened, the warnings, the site's build or its error


def allowed_actions(status: str) -> list[str]:
    """The lifecycle actions a paper in ``status`` allows (the commands' rules)."""
    return [action for action, (starts, _) in TRANSITIONS.items() if status in starts]


def change_status(
    desk: Desk, actor: Actor, industry: str, edition: str, action: str, force: bool, now: datetime
) -> StatusOutcome:
    """Approve, publish or withdraw a paper exactly as ``trendpapers papers ACTION`` does
    (``trendpapers.pipeline.paper_action``: same rules and guards, the site rebuilt after publishing
    or withdrawing, a publication undone when the build fails); the outcome in words."""
    from trendpapers.pipeline import paper_action

    if action not in TRANSITIONS:
        raise InputError(f"unknown action {action!r} (approve, publish or withdraw)")
    tr = desk.texts
    name = f"{industry} {edition}"
    target = TRANSITIONS[action][1]
    refused = tr.gettext("%(paper)s: not %(status)s: %(reason)s")
    with desk.engine.connect() as conn:
        already = open_paper(desk, conn, industry, edition).row.status == target
    if already:  # a second click on the button, or another editor was quicker: done, not refused
        said = tr.gettext("%(paper)s is already %(status)s.") % {
            "paper": name,
            "status": tr.paper_status(target),
        }
        with desk.engine.begin() as conn:
            event = store.add_event(
                conn, now, actor.name, actor.address, "status unchanged", said, industry, edition
            )
        return StatusOutcome(event, True, said)
    try:
        done = paper_action(
            desk.config, industry, edition, action, actor.name, force=force, engine=desk.engine
        )
    except (InputError, LockError, SiteError) as exc:
        said = str(exc).removeprefix(f"{name}: not {target}, ")  # the paper named once
        ok, message = False, refused % {"paper": name, "status": tr.paper_status(target), "reason": said}
    except TrendpapersError as exc:
        reason = f"{type(exc).__name__}: {exc}"
        ok, message = False, refused % {"paper": name, "status": tr.paper_status(target), "reason": reason}
    else:
        ok = True
        status = tr.paper_status(done.change.row.status)
        parts = [tr.gettext("%(paper)s is %(status)s.") % {"paper": name, "status": status}]
        parts += [f"{r}." for r in done.change.renamed]
        parts += [tr.gettext("Warning: %(warning)s.") % {"warning": w} for w in done.change.warnings]
        if done.build is not None:
            parts.append(tr.gettext("The site: %(summary)s.") % {"summary": done.build.summary})
        message = " ".join(parts)
    with desk.engine.begin() as conn:
        event = store.add_event(
            conn,
            now,
            actor.name,
            actor.address,
            action if ok else f"{action} refused",
            message,
            industry,
            edition,
        )
        if ok:  # the editor's own change (status, front matter) is nothing new to them
            _seen(conn, actor.name, open_paper(desk, conn, industry, edition), now)
    return StatusOutcome(event, ok, message)


def update_site(desk: Desk, actor: Actor, industry: str, edition: str, now: datetime) -> StatusOutcome:
    """Rebuild the members' site, as ``trendpapers build`` does: a published paper's saved edits go
    live now rather than at the next scheduled build."""
    from trendpapers.pipeline import build_stage, recorded

    tr = desk.texts
    try:
        with workspace_lock(desk.config.root, "build"):
            built = recorded(desk.engine, "build", lambda: build_stage(desk.config, desk.engine))
    except TrendpapersError as exc:  # another build or run holds the workspace; a page failed its checks
        ok, message = False, tr.gettext("The site is not updated: %(reason)s") % {"reason": exc}
    else:
        ok, message = True, tr.gettext("The site is updated: %(summary)s.") % {"summary": built.summary}
    what = "site updated" if ok else "site not updated"
    with desk.engine.begin() as conn:
        event = store.add_event(conn, now, actor.name, actor.address, what, message, industry, edition)
    return StatusOutcome(event, ok, message)


# --- trends -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendLine:
    trend_id: str
    industry: str
    name: str
    status: str
    current: int
    example: str  # the most central headline: feed text, shown as text
    active: bool
    renamed: bool = False  # the editors chose its name


def trend_lines(desk: Desk) -> list[TrendLine]:
    with desk.engine.connect() as conn:
        active = {t.trend_id for t in analysis.load_trends(conn)}
        found = analysis.load_trends(conn, active_only=False)
        chosen = analysis.chosen_names(conn)
    return [
        TrendLine(
            t.trend_id,
            t.industry,
            t.name,
            t.status,
            t.current,
            t.title,
            t.trend_id in active,
            t.trend_id in chosen,
        )
        for t in found
    ]


def rename_trend(desk: Desk, actor: Actor, trend_id: str, name: str | None, now: datetime) -> StatusOutcome:
    """Give a trend the editors' ``name`` (None: its generated name again), as ``rename-trend``."""
    tr = desk.texts
    try:
        lock = workspace_lock(desk.config.root, f"desk: {actor.name} renames {trend_id}")
        with lock, desk.engine.begin() as conn:
            trend = analysis.rename_trend(conn, trend_id, name, actor.name, now)
    except (InputError, LockError) as exc:
        said = tr.gettext("%(trend)s: not renamed: %(reason)s")
        ok, message = False, said % {"trend": trend_id, "reason": exc}
    else:
        ok = True
        # Drafts are made by the scheduled run (or `trendpapers draft`), not at the desk; a published
        # paper is what members were given, and keeps its text.
        said = (
            tr.gettext(
                "%(trend)s is now called %(name)s; drafts take it when they are next drafted, "
                "the site's trend pages at its next build"
            )
            if name
            else tr.gettext(
                "%(trend)s is now called %(name)s (its generated name); drafts take it when they are "
                "next drafted, the site's trend pages at its next build"
            )
        )
        message = said % {"trend": trend_id, "name": repr(trend.name)}
    with desk.engine.begin() as conn:
        event = store.add_event(
            conn, now, actor.name, actor.address, "trend renamed" if ok else "rename refused", message
        )
    return StatusOutcome(event, ok, message)


# --- the record -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One line of a paper's history: a change of its status (``status``) or something done at the
    desk (``action`` and its ``detail``)."""

    at: datetime
    by: str | None
    status: str | None = None
    action: str | None = None
    detail: str = ""


def timeline(
    status_changes: Sequence[tuple[str, str | None, datetime]], activity: Sequence[store.Event]
) -> list[Entry]:
    """A paper's history, newest first: its status changes (made at the desk or by the commands) and
    the desk's activity on it. A status change the desk made is told once, by the desk's event,
    which also says what came of it (warnings, the site's build)."""
    action_to = {target: action for action, (_, target) in TRANSITIONS.items()}
    entries = [Entry(e.at, e.editor, action=e.action, detail=e.detail) for e in activity]
    for status, by, at in status_changes:
        told = any(
            e.action == action_to.get(status) and e.editor == by and abs((e.at - at).total_seconds()) < 60
            for e in activity
        )
        if not told:
            entries.append(Entry(at, by, status=status))
    return sorted(entries, key=lambda e: e.at, reverse=True)


def event_action(tr: Texts, action: str) -> str:
    """What an event records (stored in English: "saved", "approve refused", ...) in ``tr``'s language."""
    words = {
        "signed in": tr.pgettext("desk event", "signed in"),
        "signed out": tr.pgettext("desk event", "signed out"),
        "sign-in failed": tr.pgettext("desk event", "sign-in failed"),
        "sign-in refused": tr.pgettext("desk event", "sign-in refused"),
        "editor added": tr.pgettext("desk event", "editor added"),
        "editor removed": tr.pgettext("desk event", "editor removed"),
        "password changed": tr.pgettext("desk event", "password changed"),
        "save": tr.pgettext("desk event", "save"),
        "saved": tr.pgettext("desk event", "saved"),
        "save refused": tr.pgettext("desk event", "save refused"),
        "proposal decided": tr.pgettext("desk event", "proposal decided"),
        "approve": tr.pgettext("desk event", "approve"),
        "approve refused": tr.pgettext("desk event", "approve refused"),
        "publish": tr.pgettext("desk event", "publish"),
        "publish refused": tr.pgettext("desk event", "publish refused"),
        "withdraw": tr.pgettext("desk event", "withdraw"),
        "withdraw refused": tr.pgettext("desk event", "withdraw refused"),
        "status unchanged": tr.pgettext("desk event", "status unchanged"),
        "site updated": tr.pgettext("desk event", "site updated"),
        "site not updated": tr.pgettext("desk event", "site not updated"),
        "trend renamed": tr.pgettext("desk event", "trend renamed"),
        "rename refused": tr.pgettext("desk event", "rename refused"),
    }
    return words.get(action, action)
