"""The desk's pages: the papers, a paper (editor, preview, what changed, actions), its proposal, the
trends, the activity record, and the papers' chart files. Every page needs a signed-in editor;
every change is a POST (checked for the CSRF token before it gets here)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from desk import store, work
from desk.app import now, state, texts
from desk.preview import IMAGE_TYPES, local_file, render_preview
from ingest.errors import InputError, LockError
from papers import store as papers_store
from papers.footnotes import undefined_footnotes
from papers.lifecycle import drafted_from
from papers.sitecheck import svg_problems

pages = Blueprint("desk", __name__)


def signed_in(view: Callable[..., Any]) -> Callable[..., Any]:
    """Only for a signed-in editor: others go to the sign-in page (a POST is answered 401, and a
    text being saved is shown back, so that nothing typed is lost)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.editor:
            return view(*args, **kwargs)
        if request.method == "GET":
            return redirect(url_for("login", next=request.full_path.rstrip("?")), 303)
        tr = texts()
        html = render_template(
            "message.html",
            title=tr.gettext("Signed out"),
            message=tr.gettext(
                "Your sign-in has ended, so nothing was changed. Sign in again (in another tab) and "
                "repeat what you did; a text you were saving is below, to copy."
            ),
            text=request.form.get("text"),
        )
        return Response(html, 401)

    return wrapper


def _actor() -> work.Actor:
    return work.Actor(g.editor, g.address)


def _notice() -> store.Event | None:
    """The outcome of the editor's last action, when the page was reached after it (``?done=ID``)."""
    done = request.args.get("done", "")
    if not done.isdigit():
        return None
    with state().engine.connect() as conn:
        event = store.get_event(conn, int(done))
    return event if event is not None and event.editor == g.editor else None


@pages.get("/")
@signed_in
def papers() -> str:
    return render_template("papers.html", papers=work.paper_lines(state(), g.editor), notice=_notice())


def _preview(opened: work.Opened, text: str) -> Any:
    """The paper as the site will show it, with the sources it puts back for deleted footnotes."""
    industry = opened.row.industry
    folder = opened.path.parent
    with state().engine.connect() as conn:
        _, restored = undefined_footnotes(conn, text, state().config.site.texts)
    return render_preview(
        text,
        str(opened.path),
        folder,
        lambda rel: url_for("desk.paper_file", industry=industry, rel=rel),
        restored,
        state().config.site.url,
        texts(),
    )


def _paper_page(
    opened: work.Opened,
    *,
    text: str | None = None,
    version: str | None = None,
    look: work.Look | None = None,
    saved: work.Saved | None = None,
    yours: str | None = None,
    message: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    desk = state()
    row = opened.row
    shown = text if text is not None else (opened.text or "")
    with desk.engine.connect() as conn:
        history = papers_store.events(conn, row.industry, row.edition)
        activity = store.recent_events(conn, 20, row.industry, row.edition)
    trends = {t.trend_id: t for t in work.trend_lines(desk)}
    html = render_template(
        "paper.html",
        row=row,
        industry_name=desk.industry_name(row.industry),
        opened=opened,
        text=shown,
        version=version or opened.sha,
        preview=_preview(opened, shown) if opened.text is not None or text is not None else None,
        look=look,
        saved=saved,
        yours=yours,
        differ=work.diff_lines(yours, saved.current) if saved is not None and yours is not None else (),
        message=message,
        notice=_notice(),
        actions=work.allowed_actions(row.status),
        empty=_empty(opened),
        # What the editor has in the page and the file does not: approving or publishing now would
        # go without it (the actions wait until it is saved), and leaving the page loses it.
        unsaved=opened.text is not None and shown.replace("\r\n", "\n") != opened.text.replace("\r\n", "\n"),
        history=work.timeline(history, activity),
        trends=[(t, trends.get(t.id)) for t in row.trends],
    )
    return Response(html, status)


def _empty(opened: work.Opened) -> bool:
    """Whether the paper was drafted from no documents: only then is approving it anyway offered."""
    try:
        return opened.text is not None and drafted_from(opened.text, opened.path) == 0
    except InputError:  # a broken front matter: the approval will name it
        return False


def _opened(industry: str, edition: str) -> work.Opened:
    with state().engine.connect() as conn:
        try:
            return work.open_paper(state(), conn, industry, edition)
        except InputError:
            abort(404, texts().gettext("There is no paper %(paper)s.") % {"paper": f"{industry} {edition}"})


@pages.get("/papers/<industry>/<edition>")
@signed_in
def paper(industry: str, edition: str) -> ResponseReturnValue:
    _opened(industry, edition)  # a 404 for a paper that does not exist
    opened, look = work.look(state(), g.editor, industry, edition, now())
    return _paper_page(opened, look=look)


@pages.post("/papers/<industry>/<edition>/text")
@signed_in
def paper_text(industry: str, edition: str) -> ResponseReturnValue:
    opened = _opened(industry, edition)
    text = request.form.get("text", "").replace("\r\n", "\n")
    version = request.form.get("version", "")
    if request.form.get("do") != "save":  # the preview of the text as it is in the editor
        return _paper_page(opened, text=text, version=version)
    tr = texts()
    try:
        saved = work.save_text(state(), _actor(), industry, edition, text, version, now())
    except LockError as exc:
        message = tr.gettext(
            "Not saved: %(reason)s. Your text is still in the editor below; save again in a moment."
        ) % {"reason": exc}
        return _paper_page(opened, text=text, version=version, message=message, status=503)
    except InputError as exc:
        message = tr.gettext("Not saved: %(reason)s") % {"reason": exc}
        return _paper_page(opened, text=text, version=version, message=message, status=409)
    if saved.outcome == "conflict":
        fresh = _opened(industry, edition)
        merged = saved.merged.text if saved.merged is not None else text
        return _paper_page(fresh, text=merged, version=saved.current_sha, saved=saved, yours=text, status=409)
    return redirect(url_for("desk.paper", industry=industry, edition=edition, done=saved.event), 303)


@pages.post("/papers/<industry>/<edition>/status")
@signed_in
def paper_status(industry: str, edition: str) -> ResponseReturnValue:
    opened = _opened(industry, edition)
    action = request.form.get("action", "")
    if action == "update-site" and opened.row.status == "published":
        updated = work.update_site(state(), _actor(), industry, edition, now())
        return redirect(url_for("desk.paper", industry=industry, edition=edition, done=updated.event), 303)
    if action not in ("approve", "publish", "withdraw"):
        abort(
            400,
            texts().gettext("Unknown action %(action)s: approve, publish or withdraw.")
            % {"action": repr(action[:40])},
        )
    if action == "withdraw" and request.form.get("sure") != "yes":  # members lose it at once
        message = texts().gettext(
            "Not withdrawn: tick “yes, withdraw it” first. The paper leaves the members' site at once; "
            "to bring it back, approve and publish it again."
        )
        return _paper_page(opened, message=message, status=400)
    outcome = work.change_status(
        state(), _actor(), industry, edition, action, request.form.get("force") == "yes", now()
    )
    return redirect(url_for("desk.paper", industry=industry, edition=edition, done=outcome.event), 303)


def _proposal_page(
    industry: str,
    edition: str,
    chosen: dict[str, bool] | None = None,
    message: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    found = work.proposal_of(state(), industry, edition)
    if found is None:
        return redirect(url_for("desk.paper", industry=industry, edition=edition), 303)
    opened, proposal = found
    html = render_template(
        "proposal.html",
        row=opened.row,
        industry_name=state().industry_name(industry),
        opened=opened,
        proposal=proposal,
        chosen=chosen or {},
        message=message,
    )
    return Response(html, status)


@pages.get("/papers/<industry>/<edition>/proposal")
@signed_in
def proposal(industry: str, edition: str) -> ResponseReturnValue:
    _opened(industry, edition)
    return _proposal_page(industry, edition)


@pages.post("/papers/<industry>/<edition>/proposal")
@signed_in
def decide(industry: str, edition: str) -> ResponseReturnValue:
    _opened(industry, edition)
    chosen: dict[str, bool] = {}
    for field, value in request.form.items():
        if field.startswith("change-") and value in ("accept", "reject"):
            chosen[field.removeprefix("change-")] = value == "accept"
    try:
        decided = work.decide_proposal(
            state(),
            _actor(),
            industry,
            edition,
            request.form.get("paper_version", ""),
            request.form.get("proposal_version", ""),
            chosen,
            now(),
            accept_all=request.form.get("do") == "accept-all",
        )
    except work.StaleError as exc:
        return _proposal_page(industry, edition, chosen, str(exc), 409)
    except (InputError, LockError) as exc:
        message = texts().gettext("Nothing was changed: %(reason)s") % {"reason": exc}
        return _proposal_page(industry, edition, chosen, message, 409)
    return redirect(url_for("desk.paper", industry=industry, edition=edition, done=decided.event), 303)


@pages.get("/files/<industry>/<path:rel>")
@signed_in
def paper_file(industry: str, rel: str) -> ResponseReturnValue:
    """A chart (or other image) beside the papers of ``industry``; SVG files only if inert."""
    desk = state()
    if industry not in {i.slug for i in desk.config.industries}:
        abort(404)
    folder: Path = desk.config.papers_dir / industry
    found = local_file(folder, rel)
    if found is None:
        abort(404, texts().gettext("No such image beside the papers."))
    path = folder / found
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".svg" and svg_problems(data, found):
        abort(
            403,
            texts().gettext(
                "This SVG file is not inert (scripts, handlers or outside links); it is not shown."
            ),
        )
    response = Response(data, 200, mimetype=IMAGE_TYPES[suffix])
    # Opened on its own, an SVG file is a document: no script, nothing from elsewhere, sandboxed.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


@pages.get("/trends")
@signed_in
def trends() -> str:
    desk = state()
    lines = work.trend_lines(desk)
    industries = [
        (i.slug, i.name, [t for t in lines if t.industry == i.slug]) for i in desk.config.industries
    ]
    return render_template("trends.html", industries=industries, notice=_notice())


@pages.post("/trends/<trend_id>/name")
@signed_in
def rename(trend_id: str) -> ResponseReturnValue:
    name = None if request.form.get("do") == "reset" else request.form.get("name", "")
    outcome = work.rename_trend(state(), _actor(), trend_id, name, now())
    return redirect(url_for("desk.trends", done=outcome.event, _anchor=f"trend-{trend_id}"), 303)


@pages.get("/activity")
@signed_in
def activity() -> str:
    with state().engine.connect() as conn:
        events = store.recent_events(conn, 300)
    return render_template("activity.html", events=events)


@pages.get("/texts/<sha>")
@signed_in
def kept_text(sha: str) -> str:
    """A text the desk kept (a version seen, or a save refused), by the short sha the record shows."""
    if not (4 <= len(sha) <= 64 and all(c in "0123456789abcdef" for c in sha)):
        abort(404)
    with state().engine.connect() as conn:
        text = store.find_snapshot(conn, sha)
    if text is None:
        abort(404, texts().gettext("No text is kept under this name."))
    return render_template("text.html", sha=sha, text=text)
