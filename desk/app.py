"""The desk's web application (Flask): sign-in, sessions, CSRF, security headers, error pages.

- Sessions: the cookie (signed with a key kept in the store, ``HttpOnly``, ``SameSite=Lax``,
  ``Secure`` and ``__Host-`` prefixed when the request came over TLS) carries a random token whose
  hash names a session row in the store. A session ends after ``SESSION_IDLE`` unused or
  ``SESSION_MAX`` after sign-in, at sign-out, and when the editor's password changes or the account
  is removed. Signing in starts a new session and a new CSRF token (no session fixation).
- CSRF: every POST carries the session's token in a hidden field, compared in constant time; a POST
  without it is refused with 403 before anything else happens. GET requests change nothing (but for
  recording what an editor has seen).
- Sign-in attempts are rate-limited per account and per client address (``desk.limits``).
- Every response forbids scripts altogether (``Content-Security-Policy: default-src 'none'``, styles
  and images from the desk only, forms only to the desk, no framing) and sends ``nosniff``,
  ``Referrer-Policy`` and ``no-store``. Jinja2 escapes everything the templates print; a paper's
  preview is sanitized first (``desk.preview``).
- Language: the desk's words are the workspace's language (``Desk.texts``); the templates take them
  through Jinja2's i18n extension (``{% trans %}``, ``_()``, ``ngettext()``, ``pgettext()``), and
  statuses and recorded actions, stored in English, through filters.
"""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import jinja2
from flask import Flask, Response, current_app, g, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from desk import accounts, limits, store
from desk.work import Desk, event_action
from papers.i18n import N_, Texts
from trendpapers.config import Config

COOKIE = "trendpapers-desk"
CSP = (
    "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
MAX_BODY = 8 * 1024 * 1024  # a paper's text is tens of kilobytes; a proposal form a little more
_TOUCH_EVERY = 60  # seconds: a session's last use is written at most this often
# Texts the desk kept (versions seen, saves refused) are forgotten after this long when no editor's
# last look refers to them; each start of the desk tidies up.
KEEP_TEXTS = timedelta(days=90)
_TITLES = {404: N_("Not found"), 405: N_("Not allowed"), 413: N_("Too large")}
# Werkzeug's own words for the errors an editor may meet (a wrong address, a form too large),
# exactly as it writes them: marked here so that the catalog translates them too.
_WERKZEUG = (
    N_("Bad Request"),
    N_("The browser (or proxy) sent a request that this server could not understand."),
    N_(
        "The requested URL was not found on the server. If you entered the URL manually please check "
        "your spelling and try again."
    ),
    N_("The method is not allowed for the requested URL."),
    N_("The data value transmitted exceeds the capacity limit."),
)


class _SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie, ``Secure`` and ``__Host-`` prefixed when the request came over TLS
    (directly, or from a trusted proxy that says so with ``X-Forwarded-Proto``)."""

    def get_cookie_name(self, app: Flask) -> str:
        return f"__Host-{COOKIE}" if request.is_secure else COOKIE

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(request.is_secure)


def state() -> Desk:
    """The desk of the running application."""
    desk: Desk = current_app.extensions["trendpapers-desk"]
    return desk


def texts() -> Texts:
    """The desk's words, in the workspace's language."""
    return state().texts


def now() -> datetime:
    when: datetime = g.now
    return when


def create_app(config: Config, *, clock: Callable[[], datetime] | None = None) -> Flask:
    """The desk for the workspace of ``config`` (its store opened and migrated)."""
    from desk.views import pages
    from trendpapers.db import open_store

    engine = open_store(config.storage_url)
    tick = clock or (lambda: datetime.now(UTC))
    with engine.begin() as conn:
        key = store.signing_key(conn)
        store.drop_old_snapshots(conn, tick() - KEEP_TEXTS)
    app = Flask("desk")  # the package: its templates/ and static/ folders
    app.config.update(
        SECRET_KEY=key,
        SESSION_COOKIE_HTTPONLY=True,
        # Lax, not Strict: a link to the desk in a mail then finds the editor signed in; every change
        # needs the CSRF token as well, and Lax sends no cookie with another site's POST anyway.
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PATH="/",
        MAX_CONTENT_LENGTH=MAX_BODY,
        MAX_FORM_MEMORY_SIZE=MAX_BODY,
        MAX_FORM_PARTS=20_000,
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.session_interface = _SessionCookies()
    app.jinja_env.undefined = jinja2.StrictUndefined  # a template naming something missing is a bug
    # Messages name files as the commands do, from the root; editors know them from the workspace.
    root = f"{config.root}{os.sep}"
    app.jinja_env.filters["in_workspace"] = lambda text: str(text).replace(root, "")
    desk = Desk(config, engine)
    _install_texts(app.jinja_env, desk.texts)
    app.extensions["trendpapers-desk"] = desk
    app.before_request(lambda: _before(tick))
    app.after_request(_headers)
    app.register_error_handler(HTTPException, _error)
    app.add_url_rule("/login", "login", _login, methods=["GET", "POST"])
    app.add_url_rule("/logout", "logout", _logout, methods=["POST"])
    app.register_blueprint(pages)
    app.context_processor(_template_values)
    return app


def _install_texts(env: jinja2.Environment, tr: Texts) -> None:
    """The templates' texts in ``tr``'s language: gettext (newstyle: values are escaped and put in by
    name) and filters for the words the store keeps in English."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=tr.gettext, ngettext=tr.ngettext, pgettext=tr.pgettext, newstyle=True
    )
    env.filters.update(
        paper_status=tr.paper_status,
        trend_status=tr.status,
        event_action=lambda action: event_action(tr, action),
    )


def _template_values() -> dict[str, Any]:
    desk = current_app.extensions["trendpapers-desk"]
    return {
        "editor": g.get("editor"),
        "csrf": session.get("csrf", ""),
        "cluster": desk.config.name,
        # The workspace's language ([workspace] language): the desk's words, and the papers' text and
        # preview (spelling, screen readers).
        "language": desk.texts.language,
        "paper_language": desk.config.language,
    }


def _before(tick: Callable[[], datetime]) -> Response | None:
    g.now = tick()
    g.address = request.remote_addr or "unknown"
    g.editor = None
    token = session.get("sid")
    if isinstance(token, str):
        with state().engine.begin() as conn:
            found = store.get_session(conn, token)
            fresh = (
                found is not None
                and g.now - found.last_seen_at < accounts.SESSION_IDLE
                and g.now - found.created_at < accounts.SESSION_MAX
            )
            if found is not None and fresh:
                g.editor = found.editor
                if (g.now - found.last_seen_at).total_seconds() > _TOUCH_EVERY:
                    store.touch_session(conn, token, g.now)
            else:
                if found is not None:
                    store.close_session(conn, token)
                session.pop("sid", None)
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    if request.method not in ("GET", "HEAD"):
        sent = request.form.get("csrf", "")
        if not (sent and hmac.compare_digest(sent, str(session["csrf"]))):
            # A sign-out in another tab ends the token too: a text being saved is shown back, to copy.
            text = request.form.get("text")
            tr = texts()
            why = (
                tr.gettext(
                    "You are signed out (in another tab, or after a long pause), so nothing was done. "
                    "Sign in again and repeat it."
                )
                if g.editor is None
                else tr.gettext(
                    "This request was refused: it did not carry this page's security token (it came "
                    "from another site, or from a page older than your sign-in). Go back, reload the "
                    "page, and try again."
                )
            )
            return _page(
                tr.gettext("Refused"),
                why
                + (
                    tr.gettext(" The text you were saving is below, to copy; nothing was changed.")
                    if text
                    else ""
                ),
                403,
                text=text,
            )
    return None


def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = response.headers.get("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response


def _page(title: str, message: str, status: int, **extra: Any) -> Response:
    return Response(render_template("message.html", title=title, message=message, **extra), status)


def _error(exc: HTTPException) -> Response:
    tr = texts()
    title = tr.gettext(_TITLES.get(exc.code or 500, exc.name))
    # The desk's own descriptions are translated already (gettext leaves them as they are); Werkzeug's
    # are translated here.
    return _page(title, tr.gettext(exc.description) if exc.description else title, exc.code or 500)


def local_target(target: str | None) -> str:
    """``target`` if it is a path on this site (after signing in, go back there), else "/"."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return "/"
    return target


def _login() -> ResponseReturnValue:
    target = local_target(request.values.get("next"))
    if request.method == "GET":
        if g.editor:
            return redirect(target, 303)
        out = request.args.get("out") == "1"  # just signed out: say so, not only the form again
        return render_template("login.html", next=target, error=None, name="", out=out)
    name = request.form.get("name", "").strip()[:200]
    password = request.form.get("password", "")
    desk = state()
    tr = desk.texts
    with desk.engine.begin() as conn:
        refusal = limits.login_refusal(conn, name, g.address, g.now, tr)
        if refusal is not None:
            store.add_event(conn, g.now, None, g.address, "sign-in refused", f"{name!r}: {refusal.reason}")
        else:
            found = accounts.verify(conn, name, password)
            limits.record_attempt(conn, name, g.address, found is not None, g.now)
            if found is None:
                said = tr.gettext("%(name)s: wrong name or password") % {"name": repr(name)}
                store.add_event(conn, g.now, None, g.address, "sign-in failed", said)
            else:
                # A new session and a new CSRF token: nothing from before the sign-in carries over.
                session.clear()
                session["sid"] = store.open_session(conn, found, g.address, g.now)
                session["csrf"] = secrets.token_urlsafe(32)
                store.drop_stale_sessions(conn, g.now - accounts.SESSION_IDLE, g.now - accounts.SESSION_MAX)
                said = tr.gettext("%(editor)s signed in") % {"editor": found}
                store.add_event(conn, g.now, found, g.address, "signed in", said)
                return redirect(target, 303)
    if refusal is not None:
        error = tr.gettext("Not checked: %(reason)s.") % {"reason": refusal.reason}
        response = Response(render_template("login.html", next=target, error=error, name=name), 429)
        response.headers["Retry-After"] = str(refusal.retry_after)
        return response
    error = tr.gettext("Wrong name or password.")
    return Response(render_template("login.html", next=target, error=error, name=name), 401)


def _logout() -> ResponseReturnValue:
    token = session.get("sid")
    if isinstance(token, str):
        with state().engine.begin() as conn:
            store.close_session(conn, token)
            if g.editor:
                said = texts().gettext("%(editor)s signed out") % {"editor": g.editor}
                store.add_event(conn, g.now, g.editor, g.address, "signed out", said)
    session.clear()
    return redirect(url_for("login", out=1), 303)
