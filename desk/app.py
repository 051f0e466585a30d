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
from desk.work import Desk
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
    app.extensions["trendpapers-desk"] = Desk(config, engine)
    app.before_request(lambda: _before(tick))
    app.after_request(_headers)
    app.register_error_handler(HTTPException, _error)
    app.add_url_rule("/login", "login", _login, methods=["GET", "POST"])
    app.add_url_rule("/logout", "logout", _logout, methods=["POST"])
    app.register_blueprint(pages)
    app.context_processor(_template_values)
    return app


def _template_values() -> dict[str, Any]:
    desk = current_app.extensions["trendpapers-desk"]
    return {
        "editor": g.get("editor"),
        "csrf": session.get("csrf", ""),
        "cluster": desk.config.name,
        # The papers' language ([workspace] language): their text and preview carry it (spelling,
        # screen readers); the desk's own words stay English.
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
            return _page(
                "Refused",
                "This request was refused: it did not carry this page's security token (it came from "
                "another site, or from a page older than your sign-in). Go back, reload the page, and "
                "try again."
                + (" The text you were saving is below, to copy; nothing was changed." if text else ""),
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
    titles = {404: "Not found", 405: "Not allowed", 413: "Too large"}
    title = titles.get(exc.code or 500, exc.name)
    return _page(title, exc.description or title, exc.code or 500)


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
        return render_template("login.html", next=target, error=None, name="")
    name = request.form.get("name", "").strip()[:200]
    password = request.form.get("password", "")
    desk = state()
    with desk.engine.begin() as conn:
        refusal = limits.login_refusal(conn, name, g.address, g.now)
        if refusal is not None:
            store.add_event(conn, g.now, None, g.address, "sign-in refused", f"{name!r}: {refusal.reason}")
        else:
            found = accounts.verify(conn, name, password)
            limits.record_attempt(conn, name, g.address, found is not None, g.now)
            if found is None:
                store.add_event(
                    conn, g.now, None, g.address, "sign-in failed", f"{name!r}: wrong name or password"
                )
            else:
                # A new session and a new CSRF token: nothing from before the sign-in carries over.
                session.clear()
                session["sid"] = store.open_session(conn, found, g.address, g.now)
                session["csrf"] = secrets.token_urlsafe(32)
                store.drop_stale_sessions(conn, g.now - accounts.SESSION_IDLE, g.now - accounts.SESSION_MAX)
                store.add_event(conn, g.now, found, g.address, "signed in", f"{found} signed in")
                return redirect(target, 303)
    if refusal is not None:
        html = render_template("login.html", next=target, error=f"Not checked: {refusal.reason}.", name=name)
        response = Response(html, 429)
        response.headers["Retry-After"] = str(refusal.retry_after)
        return response
    html = render_template("login.html", next=target, error="Wrong name or password.", name=name)
    return Response(html, 401)


def _logout() -> ResponseReturnValue:
    token = session.get("sid")
    if isinstance(token, str):
        with state().engine.begin() as conn:
            store.close_session(conn, token)
            if g.editor:
                store.add_event(conn, g.now, g.editor, g.address, "signed out", f"{g.editor} signed out")
    session.clear()
    return redirect(url_for("login"), 303)
