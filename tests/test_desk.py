"""The editors' desk without a browser: the real application (Flask's test client) on copies of the
demo workspace (the real pipeline, via ``trendpapers demo``), the accounts commands, the server
behind a (pretend) TLS proxy, and the desk's tables on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import os
import re
import select
import selectors
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import lxml.html
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from desk import commands, store
from desk.app import create_app
from desk.limits import ACCOUNT_FAILURES, ADDRESS_FAILURES, WINDOW
from desk.proposals import apply_decisions, read_proposal, resolve_new
from desk.serve import parse_address
from ingest.errors import InputError
from papers import store as papers_store
from papers.draft import draft_papers, proposal_path
from papers.files import read_paper
from summarize.members import load_members
from tests.conftest import POSTGRES_URL, DemoRun
from trendpapers.cli import cli
from trendpapers.config import CONFIG_NAME, Config, load_config
from trendpapers.db import open_store
from trendpapers.lock import workspace_lock
from trendpapers.workspace import init_workspace

PASSWORD = "correct horse battery staple"
PAPER = "/papers/medtech/2026-Q4"
IMAGING = "AI imaging"  # medtech-0001's generated name in the demo


@pytest.fixture(scope="module")
def demo(demo_run: DemoRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = demo_run.copy(tmp_path_factory, "desk")
    config = load_config(directory / CONFIG_NAME)
    for name in ("alice", "bob"):
        commands.add(config, name, PASSWORD, "tests")
    return directory


@pytest.fixture
def workspace(demo: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "demo"
    shutil.copytree(demo, copy, symlinks=True)
    return copy


@pytest.fixture
def config(workspace: Path) -> Config:
    return load_config(workspace / CONFIG_NAME)


class Clock:
    """The desk's idea of now, moved by the test (sessions and sign-in limits depend on it)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(config: Config, clock: Clock) -> Iterator[Flask]:
    application = create_app(config, clock=clock)
    yield application
    application.extensions["trendpapers-desk"].engine.dispose()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def field(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no field {name} in the page"
    return found.group(1)


def sign_in(client: FlaskClient, name: str, password: str = PASSWORD, next_: str = "/") -> Any:
    page = client.get("/login")
    return client.post(
        "/login", data={"csrf": csrf_of(page.text), "name": name, "password": password, "next": next_}
    )


@dataclass
class Editor:
    """A signed-in editor's browser, as the test client."""

    client: FlaskClient
    name: str

    def open(self, path: str = PAPER) -> tuple[str, str, str]:
        """The page, its CSRF token and the version of the text it shows."""
        page = self.client.get(path)
        assert page.status_code == 200, page.text
        version = re.search(r'name="version" value="([^"]*)"', page.text)  # a paper's pages only
        return page.text, csrf_of(page.text), version.group(1) if version else ""

    def save(self, text: str, version: str, csrf: str, path: str = PAPER, do: str = "save") -> Any:
        return self.client.post(
            f"{path}/text", data={"csrf": csrf, "text": text, "version": version, "do": do}
        )

    def act(self, action: str, path: str = PAPER, force: bool = False) -> str:
        """Approve, publish or withdraw; the paper page it leads to."""
        _, csrf, _ = self.open(path)
        data = {"csrf": csrf, "action": action, **({"force": "yes"} if force else {})}
        if action == "withdraw":
            data["sure"] = "yes"
        done = self.client.post(f"{path}/status", data=data)
        assert done.status_code == 303, done.text
        return self.client.get(done.headers["Location"]).text


def editor(app: Flask, name: str) -> Editor:
    client = app.test_client()
    assert sign_in(client, name).status_code == 303
    return Editor(client, name)


def paper_file(config: Config, industry: str = "medtech") -> Path:
    return config.papers_dir / industry / "2026-Q4.md"


def notice(html: str) -> str:
    doc = lxml.html.fromstring(html)
    found = doc.xpath("//*[contains(@class, 'desk-notice')]")
    return " ".join(" ".join(n.text_content().split()) for n in found)


def events(config: Config) -> list[store.Event]:
    engine = open_store(config.storage_url)
    try:
        with engine.connect() as conn:
            return store.recent_events(conn, 500)
    finally:
        engine.dispose()


# --- signing in, sessions, headers ----------------------------------------------------------------


def test_every_page_needs_a_signed_in_editor(app: Flask) -> None:
    client = app.test_client()
    for path in ("/", PAPER, f"{PAPER}/proposal", "/trends", "/activity", "/files/medtech/x.svg"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["Location"].startswith("/login?next=")
    page = client.get("/login")
    gone = client.post(f"{PAPER}/text", data={"csrf": csrf_of(page.text), "text": "my words", "do": "save"})
    assert gone.status_code == 401 and "my words" in gone.text  # shown back: nothing typed is lost


def test_sign_in_gives_a_session_cookie_that_scripts_cannot_read(app: Flask) -> None:
    client = app.test_client()
    response = sign_in(client, "alice", next_=PAPER)
    assert response.status_code == 303 and response.headers["Location"] == PAPER
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("trendpapers-desk=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on 127.0.0.1: a Secure cookie would never come back
    page = client.get(PAPER)
    assert page.status_code == 200
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp  # no script at all
    assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Cache-Control"] == "no-store"
    assert "<script" not in page.text


def test_over_tls_the_cookie_is_secure_and_host_only(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/login", base_url="https://desk.example.org")
    response = client.post(
        "/login",
        base_url="https://desk.example.org",
        data={"csrf": csrf_of(page.text), "name": "alice", "password": PASSWORD},
    )
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-trendpapers-desk=") and "Secure" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie
    assert client.get("/", base_url="https://desk.example.org").status_code == 200


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "papers"])
def test_after_sign_in_only_a_page_of_the_desk(app: Flask, target: str) -> None:
    response = sign_in(app.test_client(), "alice", next_=target)
    assert response.headers["Location"] == "/"


def test_wrong_passwords_are_rate_limited_per_account(app: Flask, clock: Clock, config: Config) -> None:
    client = app.test_client()
    for _ in range(ACCOUNT_FAILURES):
        assert sign_in(client, "alice", "not the password").status_code == 401
    refused = sign_in(client, "ALICE")  # the right password, too late (and names in any case)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "too many failed sign-ins for this account" in refused.text
    assert sign_in(app.test_client(), "bob").status_code == 303  # another account is not affected
    clock.now += WINDOW + timedelta(seconds=1)
    assert sign_in(client, "alice").status_code == 303
    actions = [e.action for e in events(config)]
    assert actions.count("sign-in failed") == ACCOUNT_FAILURES and "sign-in refused" in actions


def test_many_names_tried_from_one_address_are_rate_limited(app: Flask) -> None:
    client = app.test_client()
    for n in range(ADDRESS_FAILURES):
        assert sign_in(client, f"guess{n}", "not the password").status_code == 401
    refused = sign_in(client, "bob")
    assert refused.status_code == 429 and "from this address" in refused.text


def test_a_change_without_the_csrf_token_is_refused(app: Flask, config: Config) -> None:
    alice = editor(app, "alice")
    before = paper_file(config).read_bytes()
    _, csrf, version = alice.open()
    for token in ({}, {"csrf": "forged"}):
        data = {**token, "text": "defaced", "version": version, "do": "save"}
        refused = alice.client.post(f"{PAPER}/text", data=data)
        assert refused.status_code == 403 and "security token" in refused.text
        assert alice.client.post(f"{PAPER}/status", data={**token, "action": "approve"}).status_code == 403
        assert alice.client.post("/trends/medtech-0001/name", data={**token, "name": "X"}).status_code == 403
        assert alice.client.post("/logout", data=token).status_code == 403
    assert paper_file(config).read_bytes() == before
    with open_store(config.storage_url).connect() as conn:
        assert papers_store.get_paper(conn, "medtech", "2026-Q4").status == "draft"  # type: ignore[union-attr]
    assert alice.client.get("/").status_code == 200  # still signed in
    client = app.test_client()
    client.get("/login")
    assert client.post("/login", data={"name": "alice", "password": PASSWORD}).status_code == 403
    assert not [e for e in events(config) if e.action in ("saved", "approve", "trend renamed", "signed out")]
    out = alice.client.post("/logout", data={"csrf": csrf})
    assert out.status_code == 303 and "You are signed out." in alice.client.get(out.headers["Location"]).text


def test_a_save_after_signing_out_in_another_tab_shows_the_text_back(app: Flask, config: Config) -> None:
    alice = editor(app, "alice")
    _, csrf, version = alice.open()
    assert alice.client.post("/logout", data={"csrf": csrf}).status_code == 303  # the other tab
    refused = alice.save(text_of(config) + "\nMy unsaved words.\n", version, csrf)
    assert refused.status_code in (401, 403)
    assert "You are signed out (in another tab, or after a long pause), so nothing was done." in refused.text
    assert 'href="/login"' in refused.text and "security token" not in refused.text
    kept = lxml.html.fromstring(refused.text).get_element_by_id("desk-kept").text_content()
    assert "My unsaved words." in kept


def test_a_paper_file_removed_while_open_is_written_again_from_the_editors_text(
    app: Flask, config: Config
) -> None:
    alice = editor(app, "alice")
    _, csrf, version = alice.open()
    edited = text_of(config) + "\nMy words.\n"
    paper_file(config).unlink()
    page = alice.open()[0]
    assert "papers/medtech/2026-Q4.md: the file is missing (saving here writes it again)" in page
    assert str(config.root) not in page  # editors read the workspace's names, not the server's
    said = notice(alice.client.get(alice.save(edited, version, csrf).headers["Location"]).text)
    assert "its file was missing and is written again" in said
    assert paper_file(config).read_text(encoding="utf-8") == edited


def test_sessions_end_when_idle_on_sign_out_and_on_a_new_password(
    app: Flask, clock: Clock, config: Config
) -> None:
    alice = editor(app, "alice")
    clock.now += timedelta(hours=7)
    assert alice.client.get("/").status_code == 200  # in use: not idle
    clock.now += timedelta(hours=8, seconds=1)
    assert alice.client.get("/").status_code == 303  # unused for longer than SESSION_IDLE
    alice = editor(app, "alice")
    bob = editor(app, "bob")
    assert commands.passwd(config, "alice", "a brand new passphrase", "tests").endswith("1 session ended")
    assert alice.client.get("/").status_code == 303
    assert sign_in(app.test_client(), "alice").status_code == 401
    assert sign_in(app.test_client(), "alice", "a brand new passphrase").status_code == 303
    _, csrf, _ = bob.open("/")
    assert bob.client.post("/logout", data={"csrf": csrf}).status_code == 303
    assert bob.client.get("/").status_code == 303


# --- the papers: what changed, editing, saving -----------------------------------------------------


def test_the_papers_and_what_changed_since_an_editor_last_looked(app: Flask, config: Config) -> None:
    alice, bob = editor(app, "alice"), editor(app, "bob")
    listing = lxml.html.fromstring(bob.client.get("/").text)
    rows = {r.xpath("string(td[2])").strip(): r.xpath("string(.)") for r in listing.xpath("//tbody/tr")}
    assert set(rows) == {"textile 2026-Q4", "medtech 2026-Q4", "logistics 2026-Q4"}
    assert "published" in rows["textile 2026-Q4"] and "new to you" in rows["medtech 2026-Q4"]
    bob.open()
    assert "nothing" in lxml.html.fromstring(bob.client.get("/").text).xpath("string(//tbody/tr[2])")

    _, csrf, version = alice.open()
    edited = text_of(config).replace("## Key trends", "## Key trends\n\nAlice's note on the trends.", 1)
    saved = alice.save(edited, version, csrf)
    assert saved.status_code == 303
    said = notice(alice.client.get(saved.headers["Location"]).text)
    assert "medtech 2026-Q4 saved" in said and "[" not in said  # the version code is for the log
    assert read_paper(paper_file(config))[0] == edited

    row = lxml.html.fromstring(bob.client.get("/").text).xpath("string(//tbody/tr[2])")
    assert "text changed" in row
    page = lxml.html.fromstring(bob.open()[0])
    added = [
        s.text_content() for s in page.xpath("//pre[contains(@class,'desk-diff')]/span[@class='desk-add']")
    ]
    assert added == ["+Alice's note on the trends.", "+"] or "+Alice's note on the trends." in added
    assert "nothing" in lxml.html.fromstring(bob.client.get("/").text).xpath("string(//tbody/tr[2])")
    assert [e.editor for e in events(config) if e.action == "saved"] == ["alice"]
    # Alice approves: what approval writes in the front matter is history, not a change of the text.
    alice.act("approve")
    look = lxml.html.fromstring(bob.open()[0]).xpath("string(//section[@aria-labelledby='desk-look-h'])")
    assert "approved by alice" in look and "text changed" not in look and "approved_by" not in look


def text_of(config: Config, industry: str = "medtech") -> str:
    return read_paper(paper_file(config, industry))[0]


def test_a_save_over_a_newer_version_is_refused_with_both_versions_and_nothing_lost(
    app: Flask, config: Config
) -> None:
    alice, bob = editor(app, "alice"), editor(app, "bob")
    original = text_of(config)
    _, a_csrf, a_version = alice.open()
    _, b_csrf, b_version = bob.open()
    assert a_version == b_version
    bobs = original.replace("## Key trends", "## Key trends\n\nBob was here first.", 1)
    assert bob.save(bobs, b_version, b_csrf).status_code == 303
    alices = original.replace("## Method", "Alice's closing words.\n\n## Method", 1)
    assert alices != original
    refused = alice.save(alices, a_version, a_csrf)
    assert refused.status_code == 409
    assert text_of(config) == bobs  # bob's save stands
    page = lxml.html.fromstring(refused.text)
    # Both versions in full, folded away: the merged text to save comes first, a link away.
    yours, current = (
        p.text_content()
        for p in page.xpath("//section[@class='desk-conflict']//details//pre[@class='desk-text']")
    )
    assert page.xpath("//section[@class='desk-conflict']//p//a/@href")[-1] == "#desk-text"
    differ = page.xpath("string(//section[@class='desk-conflict']//pre[@class='desk-diff'])")
    assert "-Alice's closing words." in differ and "+Bob was here first." in differ
    assert yours == alices and current == bobs  # both versions shown in full
    assert "bob saved this paper" in page.xpath("string(//section[@class='desk-conflict'])")
    merged = page.get_element_by_id("desk-text").text_content()
    assert "Bob was here first." in merged and "Alice's closing words." in merged and "<<<<<<<" not in merged
    kept = page.xpath("//section[@class='desk-conflict']//a/@href")[0]
    kept_page = lxml.html.fromstring(alice.client.get(kept).text)
    assert "Alice's closing words." in kept_page.get_element_by_id("desk-kept").text_content()  # kept too

    # Saved again from the conflict page (whose version is bob's): accepted.
    again = alice.save(merged.removeprefix("\n"), field(refused.text, "version"), csrf_of(refused.text))
    assert again.status_code == 303
    assert "Bob was here first." in text_of(config) and "Alice's closing words." in text_of(config)


def test_changes_to_the_same_lines_are_offered_with_conflict_markers(app: Flask, config: Config) -> None:
    alice, bob = editor(app, "alice"), editor(app, "bob")
    original = text_of(config)
    _, a_csrf, a_version = alice.open()
    _, b_csrf, b_version = bob.open()
    assert (
        bob.save(original.replace("## Key trends", "## Key trends (Bob)"), b_version, b_csrf).status_code
        == 303
    )
    refused = alice.save(original.replace("## Key trends", "## Key trends (Alice)"), a_version, a_csrf)
    merged = lxml.html.fromstring(refused.text).get_element_by_id("desk-text").text_content()
    assert (
        "<<<<<<< yours\n## Key trends (Alice)\n=======\n## Key trends (Bob)\n>>>>>>> saved meanwhile"
        in merged
    )


def test_saving_keeps_the_files_line_ends_and_an_unchanged_save_writes_nothing(
    app: Flask, config: Config
) -> None:
    path = paper_file(config)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    before = path.read_bytes()
    alice = editor(app, "alice")
    _, csrf, version = alice.open()
    browser_text = text_of(config).replace("\n", "\r\n")  # browsers send a textarea with CRLF
    done = alice.save(browser_text, version, csrf)
    assert "no changes to save" in notice(alice.client.get(done.headers["Location"]).text)
    assert path.read_bytes() == before
    _, csrf, version = alice.open()
    edited = browser_text.replace("## Key trends", "## Key trends, edited")
    alice.save(edited, version, csrf)
    assert path.read_bytes() == before.replace(b"## Key trends", b"## Key trends, edited")
    again = alice.save(edited, version, csrf)  # a second click on Save: the same text, the old version
    assert again.status_code == 303 and "no changes to save" in notice(
        alice.client.get(again.headers["Location"]).text
    )


def test_a_save_while_a_command_writes_the_workspace_is_refused_and_the_text_kept(
    app: Flask, config: Config
) -> None:
    alice = editor(app, "alice")
    _, csrf, version = alice.open()
    before = paper_file(config).read_bytes()
    with workspace_lock(config.root, "draft"):
        busy = alice.save(text_of(config) + "\nMy unsaved words.\n", version, csrf)
    assert busy.status_code == 503 and "the workspace is busy" in busy.text
    assert (
        "My unsaved words." in lxml.html.fromstring(busy.text).get_element_by_id("desk-text").text_content()
    )
    assert paper_file(config).read_bytes() == before


@pytest.mark.parametrize("broken", ['title: "Textile: trends 2026-Q4\n', "title: x\n\tstatus: draft\n"])
def test_a_front_matter_that_does_not_parse_is_not_saved_and_the_text_kept(
    app: Flask, config: Config, broken: str
) -> None:
    """An unclosed quote, a tab: saved, the paper could not be approved, and a published one would
    stop every build of the site."""
    alice = editor(app, "alice")
    _, csrf, version = alice.open()
    before = paper_file(config).read_bytes()
    text = "---\n" + broken + "---\n" + text_of(config).split("\n---\n", 1)[1] + "\nMy unsaved words.\n"
    refused = alice.save(text, version, csrf)
    assert refused.status_code == 409 and "the front matter is not valid YAML at line " in refused.text
    kept = lxml.html.fromstring(refused.text).get_element_by_id("desk-text").text_content()
    assert "My unsaved words." in kept
    assert paper_file(config).read_bytes() == before


HOSTILE = """

## Hostile {onclick="alert('attr')" #hostile}

<script>alert('script')</script><img src=x onerror="alert('img')"> <a href="javascript:alert('link')">link</a>
<svg onload="alert('svg')"><circle r="4"/></svg><iframe src="https://evil.example/"></iframe>
<style>body { background: url(https://evil.example/x.png) }</style><form action="https://evil.example/"><button>go</button></form>
![remote](https://evil.example/pixel.png) ![out](../../trendpapers.toml) <b onmouseover="alert('b')">bold</b>
[click](javascript:alert('md')) <a href="data:text/html,<script>alert('data')</script>">data</a>
<div class="desk-notice desk-ok">You have been signed out</div>

### A heading that wants the editor's id {#desk-text}
"""


def test_the_preview_renders_like_the_site_and_nothing_in_it_runs(app: Flask, config: Config) -> None:
    alice = editor(app, "alice")
    _, csrf, version = alice.open()
    response = alice.save(text_of(config) + HOSTILE, version, csrf, do="preview")
    assert response.status_code == 200
    assert read_paper(paper_file(config))[0] == text_of(config)  # a preview saves nothing
    page = lxml.html.fromstring(response.text)
    preview = page.xpath("//div[@class='desk-preview'][@lang='en']")[0]  # the papers' language
    assert preview.xpath(".//h3[@id='paper-medtech-0001']")  # the trend heading's id (attr_list), prefixed
    citations = (
        ".//sup[starts-with(@id,'paper-fnref')]/a[@class='footnote-ref'][starts-with(@href,'#paper-fn')]"
    )
    assert preview.xpath(citations)
    numbers = [int(n) for n in preview.xpath(f"{citations}/text()")]
    assert list(dict.fromkeys(numbers)) == list(range(1, len(set(numbers)) + 1))  # as read, as on the site
    assert preview.xpath(".//div[@class='footnote']//a[starts-with(@href,'http')]")
    assert preview.xpath(".//h2[@id='paper-hostile']") and preview.xpath(".//b[text()='bold']")
    own = set(lxml.html.fromstring(alice.open()[0]).xpath("//@id"))
    assert {i for i in page.xpath("//@id") if not i.startswith("paper-")} <= own  # no id of the desk's own
    ids = page.xpath("//@id")
    assert len(ids) == len(set(ids)) and "paper-desk-text" in ids
    for element in page.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag not in ("script", "iframe", "svg", "style", "object", "embed"), element.tag
        assert not [a for a in element.attrib if a.lower().startswith("on")], (element.tag, element.attrib)
        for attribute in ("href", "src", "action"):
            value = (element.get(attribute) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:")), value
    assert not preview.xpath(".//form")
    assert not preview.xpath(".//*[contains(@class,'desk-notice')]")  # no dressing up as the desk
    images = preview.xpath(".//img/@src")
    charts = "/files/medtech/charts/2026-Q4/"
    assert images == [f"{charts}medtech-0001.svg", f"{charts}medtech-0002.svg"]  # its trends' charts only
    assert "[image left out: remote]" in preview.text_content()
    # What the preview leaves out, the site's build refuses: said before approval, not at publishing.
    said = page.xpath("//p[contains(@class,'desk-error')]/text()")
    for refused in ("a <script> element in the content", "an inline event handler onerror= on <img>",
                    "a \"javascript:alert('link')\" URL in href= of <a>", "<img> loads 'https://evil.example/pixel.png'"):  # fmt: skip
        assert any(line.startswith("the site refuses ") and refused in line for line in said), (refused, said)
    chart = alice.client.get(images[0])
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
    assert "sandbox" in chart.headers["Content-Security-Policy"]


def test_chart_files_are_served_only_from_the_papers_folder_and_only_inert(
    app: Flask, config: Config
) -> None:
    alice = editor(app, "alice")
    for path in ("/files/medtech/../../trendpapers.toml", "/files/medtech/..%2F..%2Ftrendpapers.db",
                 "/files/nowhere/charts/2026-Q4/medtech-0001.svg", "/files/medtech/2026-Q4.md"):  # fmt: skip
        assert alice.client.get(path).status_code == 404, path
    bad = config.papers_dir / "medtech" / "charts" / "2026-Q4" / "bad.svg"
    bad.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    assert alice.client.get("/files/medtech/charts/2026-Q4/bad.svg").status_code == 403


# --- proposals -------------------------------------------------------------------------------------


def test_a_proposal_decided_change_by_change_and_a_rejected_change_does_not_come_back(
    app: Flask, config: Config
) -> None:
    alice = editor(app, "alice")
    assert "medtech 2026-Q4 is approved" in notice(alice.act("approve"))
    _, csrf, _ = alice.open("/trends")
    renamed = alice.client.post("/trends/medtech-0001/name", data={"csrf": csrf, "name": "Federated imaging"})
    assert "now called 'Federated imaging'" in notice(alice.client.get(renamed.headers["Location"]).text)

    engine = open_store(config.storage_url)
    outcome = draft_papers(
        engine, config.papers_dir, config.name, config.industries, config.papers, only="medtech"
    )
    assert outcome[0].action == "proposed"  # an approved paper is never rewritten
    before = text_of(config)
    page = alice.client.get(f"{PAPER}/proposal")
    doc = lxml.html.fromstring(page.text)
    changes = doc.xpath("//fieldset[@class='desk-change']")
    assert len(changes) >= 3  # the executive summary, the heading, the chart's caption
    keys = [c.xpath(".//input[@type='radio']/@name")[0] for c in changes]
    proposed = [c.xpath("string(.//ins)") for c in changes]
    assert "Federated imaging" in proposed[0] and "**Federated imaging**" in proposed[0]

    incomplete = {"csrf": csrf_of(page.text), "paper_version": field(page.text, "paper_version"),
                  "proposal_version": field(page.text, "proposal_version"), keys[0]: "accept"}  # fmt: skip
    assert alice.client.post(f"{PAPER}/proposal", data=incomplete).status_code == 409
    assert text_of(config) == before and proposal_path(paper_file(config)).exists()

    decisions = {**incomplete, **dict.fromkeys(keys[1:], "reject")}
    done = alice.client.post(f"{PAPER}/proposal", data=decisions)
    assert done.status_code == 303
    assert "1 change(s) accepted, 2 rejected" in notice(alice.client.get(done.headers["Location"]).text) or (
        f"1 change(s) accepted, {len(keys) - 1} rejected"
        in notice(alice.client.get(done.headers["Location"]).text)
    )
    after = text_of(config)
    assert "- **Federated imaging**" in after  # accepted
    assert f"### {IMAGING} {{#medtech-0001}}" in after and "### Federated imaging" not in after  # rejected
    assert not proposal_path(paper_file(config)).exists()

    again = draft_papers(
        engine, config.papers_dir, config.name, config.industries, config.papers, only="medtech"
    )
    assert again[0].action == "unchanged", again
    assert text_of(config) == after and not proposal_path(paper_file(config)).exists()
    with engine.connect() as conn:
        decided = store.last_decisions(conn, "medtech", "2026-Q4")
    assert sorted(d.decision for d in decided.values()) == ["accept"] + ["reject"] * (len(keys) - 1)
    engine.dispose()


def test_every_change_of_a_proposal_accepted_at_once(app: Flask, config: Config) -> None:
    alice = editor(app, "alice")
    alice.act("approve")
    _, csrf, _ = alice.open("/trends")
    alice.client.post("/trends/medtech-0001/name", data={"csrf": csrf, "name": "Federated imaging"})
    engine = open_store(config.storage_url)
    draft_papers(engine, config.papers_dir, config.name, config.industries, config.papers, only="medtech")
    engine.dispose()
    page = alice.client.get(f"{PAPER}/proposal")
    assert 'value="accept-all"' in page.text
    form = {"csrf": csrf_of(page.text), "paper_version": field(page.text, "paper_version"),
            "proposal_version": field(page.text, "proposal_version"), "do": "accept-all"}  # fmt: skip
    done = alice.client.post(f"{PAPER}/proposal", data=form)
    assert done.status_code == 303 and "0 rejected" in notice(alice.client.get(done.headers["Location"]).text)
    after = text_of(config)
    assert "### Federated imaging {#medtech-0001}" in after and "- **Federated imaging**" in after
    assert not proposal_path(paper_file(config)).exists()


def test_a_proposal_page_that_went_stale_is_not_applied(app: Flask, config: Config) -> None:
    alice = editor(app, "alice")
    alice.act("approve")
    engine = open_store(config.storage_url)
    with engine.begin() as conn:
        from summarize.store import rename_trend

        rename_trend(conn, "medtech-0001", "Imaging across hospitals", "tests", datetime.now(UTC))
    draft_papers(engine, config.papers_dir, config.name, config.industries, config.papers, only="medtech")
    engine.dispose()
    page = alice.client.get(f"{PAPER}/proposal")
    keys = lxml.html.fromstring(page.text).xpath("//input[@type='radio'][@value='accept']/@name")
    path = paper_file(config)
    path.write_text(path.read_text() + "\nAn edit made meanwhile.\n")
    data = {"csrf": csrf_of(page.text), "paper_version": field(page.text, "paper_version"),
            "proposal_version": field(page.text, "proposal_version"), **dict.fromkeys(keys, "accept")}  # fmt: skip
    stale = alice.client.post(f"{PAPER}/proposal", data=data)
    assert stale.status_code == 409 and "changed since your page showed it" in stale.text
    assert "An edit made meanwhile." in path.read_text() and proposal_path(path).exists()
    # The changes shown now do not include undoing the edit made meanwhile.
    assert "An edit made meanwhile." not in lxml.html.fromstring(stale.text).xpath("string(//form)")


def test_a_hand_written_proposal_is_compared_with_the_paper() -> None:
    current = "a\nb\nc\nd\n"
    proposal = "a\n<<<<<<< yours\nb mine\n=======\nB new\n>>>>>>> new\nc\nd and more\n"
    assert resolve_new(proposal) == "a\nB new\nc\nd and more\n"
    found = read_proposal(current, proposal, None, "", {})
    assert [(c.current, c.proposed) for c in found.changes] == [
        (("b\n",), ("B new\n",)),
        (("d\n",), ("d and more\n",)),
    ]
    assert apply_decisions(found, current, {2}) == "a\nb\nc\nd and more\n"
    assert apply_decisions(found, current, set()) == current


def test_accepting_a_rename_under_the_editors_new_paragraphs_keeps_them() -> None:
    base = (
        "## Summary\n\n- **Recycling**: a plant opens.\n- **Sensing fabrics**: a sock is tested.\n\n## Key trends\n\n"
        "### Recycling\n\nA sentence.\n\n- a report\n\n### Sensing fabrics\n\nA sentence.\n\n- a report\n"
    )
    current = base.replace("\n## Key", "\nOur view: this matters.\n\nMore of ours.\n\n## Key")
    generated = base.replace("- **Sensing fabrics**", "- **Sensor socks**")
    found = read_proposal(current, generated, {"base": generated}, base, {})
    assert [(c.current, c.proposed, c.conflict) for c in found.changes] == [
        (("- **Sensing fabrics**: a sock is tested.\n",), ("- **Sensor socks**: a sock is tested.\n",), False)
    ]
    accepted = apply_decisions(found, current, {1})
    assert accepted == current.replace("- **Sensing fabrics**", "- **Sensor socks**")


# --- approving, publishing, withdrawing, renaming ---------------------------------------------------


def test_withdrawing_a_draft_says_what_it_means_and_builds_no_site(app: Flask, config: Config) -> None:
    alice = editor(app, "alice")
    page = lxml.html.fromstring(alice.open()[0])
    label = page.xpath("string(//label[@for='desk-sure-withdraw'])")
    assert "this edition will not be published" in label and "leaves the site" not in label
    said = notice(alice.act("withdraw"))
    assert "medtech 2026-Q4 is withdrawn." in said and "The site" not in said  # not rebuilt


def test_approve_publish_and_withdraw_follow_the_commands_rules_and_rebuild_the_site(
    app: Flask, config: Config
) -> None:
    alice = editor(app, "alice")
    refused = notice(alice.act("publish"))
    assert "not published" in refused and "only approved papers can be published" in refused
    page = alice.act("approve")
    assert "medtech 2026-Q4 is approved" in notice(page)
    assert "approved since you looked" not in page and "Since you last looked" not in page  # one's own
    published = notice(alice.act("publish"))
    assert "medtech 2026-Q4 is published" in published and "The site: built" in published
    assert "medtech 2026-Q4 is already published." in notice(alice.act("publish"))  # a second click
    site = config.root / "build" / "site" / "papers" / "medtech" / "2026-Q4" / "index.html"
    assert "Medical technology: trends 2026-Q4" in site.read_text()
    with open_store(config.storage_url).connect() as conn:
        assert papers_store.events(conn, "medtech", "2026-Q4")[-1][:2] == ("published", "alice")
    # A correction of the published paper: saved, then on the site once the editor updates it.
    text, csrf, version = alice.open()
    assert 'value="update-site"' in text
    said = notice(
        alice.client.get(
            alice.save(text_of(config) + "\nA correction.\n", version, csrf).headers["Location"]
        ).text
    )
    assert (
        "members see the change once the site is updated" in said and "A correction." not in site.read_text()
    )
    assert "The site is updated: built" in notice(alice.act("update-site"))
    assert "A correction." in site.read_text()
    # Markers of a merge left unresolved are not saved: the text stays in the page to resolve.
    text, csrf, version = alice.open()
    before = paper_file(config).read_bytes()
    marked = text_of(config) + "\n<<<<<<< yours\nmine\n=======\ntheirs\n>>>>>>> saved meanwhile\n"
    refused = alice.save(marked, version, csrf)
    assert (
        refused.status_code == 409
        and "still marks a conflict (&#39;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&#39;)" in refused.text
    )
    kept = lxml.html.fromstring(refused.text).get_element_by_id("desk-text").text_content()
    assert "<<<<<<< yours" in kept and paper_file(config).read_bytes() == before
    assert "mine" not in site.read_text()
    _, csrf, _ = alice.open()
    unsure = alice.client.post(f"{PAPER}/status", data={"csrf": csrf, "action": "withdraw"})
    assert unsure.status_code == 400 and "Not withdrawn: tick" in unsure.text and site.exists()
    withdrawn = notice(alice.act("withdraw"))
    assert "is withdrawn" in withdrawn and not site.exists()


def test_a_papers_history_is_one_list_newest_first_each_step_told_once(app: Flask, config: Config) -> None:
    alice = editor(app, "alice")
    alice.act("approve")
    with open_store(config.storage_url).begin() as conn:  # a command, not the desk
        papers_store.add_event(conn, "medtech", "2026-Q4", "withdrawn", "bob", datetime.now(UTC))
    text, _, _ = alice.open()
    section = lxml.html.fromstring(text).xpath("//section[@aria-labelledby='desk-history-h']")[0]
    lines = [li.text_content() for li in section.xpath(".//li")]
    assert "withdrawn by bob" in lines[0]
    assert "approve by alice: medtech 2026-Q4 is approved." in lines[1]
    assert not any("approved by alice" in line for line in lines)  # the desk's own event tells it
    assert "draft" in lines[-1]
    stamps = [line[:16] for line in lines]
    assert stamps == sorted(stamps, reverse=True)


def test_the_preview_gives_a_deleted_footnote_its_source_as_the_site_does(app: Flask, config: Config) -> None:
    alice = editor(app, "alice")
    _, csrf, version = alice.open()
    text = text_of(config)
    definition = re.search(r"^\[\^(doc-\d+)\]: \[(.+?)\]\(.*\n", text, re.M)
    assert definition
    response = alice.save(text.replace(definition.group(), ""), version, csrf, do="preview")
    preview = lxml.html.fromstring(response.text).xpath("//div[@class='desk-preview']")[0]
    notes = " ".join(li.text_content() for li in preview.xpath(".//div[@class='footnote']//li"))
    assert html.unescape(definition.group(2)).replace("\\", "") in notes
    assert f"[^{definition.group(1)}]" not in preview.text_content()


def test_after_a_preview_of_unsaved_changes_approving_waits_for_them_to_be_saved(
    app: Flask, config: Config
) -> None:
    """Approving or publishing goes by the saved file: offered beside a previewed text that is not
    saved, it published without the editor's correction."""
    alice = editor(app, "alice")
    text, csrf, version = alice.open()
    assert 'name="action" value="approve"' in text
    previewed = alice.save(text_of(config) + "\nA correction.\n", version, csrf, do="preview")
    assert previewed.status_code == 200 and "A correction." in previewed.text
    assert "not saved" in previewed.text and 'name="action" value="approve"' not in previewed.text
    same = alice.save(text_of(config), version, csrf, do="preview")  # nothing changed: actions stay
    assert 'name="action" value="approve"' in same.text


def test_the_editors_see_the_member_matches_and_publishing_from_the_desk_leaves_them_out(
    app: Flask, config: Config
) -> None:
    """The drafts' member block is for the editors: the desk shows it, the site built on publishing
    from the desk does not (``papers.privacy``, as with the commands)."""
    assert config.cluster.members_file is not None
    members = load_members(config.cluster.members_file, [i.slug for i in config.industries]).members
    alice = editor(app, "alice")
    page, _, _ = alice.open()
    preview = lxml.html.fromstring(page).xpath("//div[@class='desk-preview']")[0].text_content()
    shown = [m.name for m in members if m.name in preview]
    assert "Members whose competences match" in preview and shown, preview
    assert "@" not in preview.split("Members whose competences match", 1)[1]  # names and reasons only
    alice.act("approve")
    assert "medtech 2026-Q4 is published" in notice(alice.act("publish"))
    site = (config.root / "build" / "site" / "papers" / "medtech" / "2026-Q4" / "index.html").read_text()
    assert "Members whose competences match" not in site
    assert [m.name for m in members if m.name in site] == []


def test_a_publication_whose_build_fails_is_undone_and_the_error_said(app: Flask, config: Config) -> None:
    alice = editor(app, "alice")
    alice.act("approve")
    bad = config.papers_dir / "medtech" / "charts" / "2026-Q4" / "medtech-0001.svg"
    bad.write_text('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')
    said = notice(alice.act("publish"))
    assert "2026-Q4: not published: the site's build failed; the paper is approved again" in said
    assert "event handler onload" in said
    with open_store(config.storage_url).connect() as conn:
        assert papers_store.get_paper(conn, "medtech", "2026-Q4").status == "approved"  # type: ignore[union-attr]


def test_an_empty_paper_needs_force_as_with_the_command(app: Flask, config: Config) -> None:
    alice = editor(app, "alice")
    assert 'name="force"' not in alice.open()[0]  # offered only for a paper drafted from nothing
    path = paper_file(config)
    text = text_of(config)
    path.write_text(re.sub(r"documents: \d+", "documents: 0", text, count=1))
    assert 'name="force"' in alice.open()[0]
    assert "is empty" in notice(alice.act("approve"))
    assert "is approved" in notice(alice.act("approve", force=True))


def test_trends_are_renamed_and_reset(app: Flask, config: Config) -> None:
    alice = editor(app, "alice")
    page, csrf, _ = alice.open("/trends")
    assert "medtech-0001" in page and IMAGING in page
    assert 'value="reset"' not in page  # no trend renamed: nothing to take back
    for data, said in (
        ({"name": "Federated imaging"}, "now called 'Federated imaging'; drafts take it when they are next"),
        ({"name": "   "}, "not renamed: trend name '': must have 1 to 120 characters"),
        ({"do": "reset"}, f"now called '{IMAGING}' (its generated name)"),
    ):
        done = alice.client.post("/trends/medtech-0001/name", data={"csrf": csrf, **data})
        page = alice.client.get(done.headers["Location"]).text
        assert said in notice(page)
        assert ('value="reset"' in page) == ("name" in data)  # renamed (a refused name keeps the last)
    done = alice.client.post("/trends/nope-0009/name", data={"csrf": csrf, "name": "X"})
    assert "no trend 'nope-0009'" in notice(alice.client.get(done.headers["Location"]).text)
    activity = alice.client.get("/activity").text
    assert "trend renamed" in activity and "rename refused" in activity


# --- accounts, the server ------------------------------------------------------------------------


def test_the_editors_commands(workspace: Path) -> None:
    ws = str(workspace / CONFIG_NAME)

    def tp(*args: str, given: str | None = None) -> tuple[int, str]:
        result = CliRunner().invoke(cli, ["-c", ws, "editors", *args], input=given)
        return result.exit_code, result.output

    assert tp("add", "Carol", "--password-stdin", given="a long enough secret\n") == (0, "Carol: added\n")
    code, out = tp("add", "carol", "--password-stdin", given="a long enough secret\n")
    assert code == 2 and "there is already an editor 'Carol'" in out
    code, out = tp("add", "dave", "--password-stdin", given="short\n")
    assert code == 2 and "the password has 5 characters; use at least 12" in out
    code, out = tp("add", "<dave>", "--password-stdin", given="a long enough secret\n")
    assert code == 2 and "editor name '<dave>'" in out
    code, out = tp("add", "erin", given="a long enough secret\n")  # no terminal: its first line
    assert code == 0 and "erin: added" in out and "a long enough secret" not in out  # not echoed
    code, out = tp("list")
    assert code == 0 and re.search(r"^Carol\s+added .* never signed in, 0 open sessions$", out, re.M)
    assert tp("passwd", "carol", "--password-stdin", given="another long secret\n") == (
        0,
        "Carol: password changed, 0 sessions ended\n",
    )
    assert tp("remove", "carol") == (0, "Carol: removed, 0 sessions ended\n")
    code, out = tp("remove", "carol")
    assert code == 2 and "no editor 'carol'" in out
    piped = subprocess.run(  # typed into a pipe, not a terminal: refused for its length, no warning
        [sys.executable, "-m", "trendpapers", "-c", ws, "editors", "add", "bob"],
        input="x\nx\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert piped.returncode == 2 and "the password has 1 character; use at least 12" in piped.stderr
    assert "Warning" not in piped.stderr


def test_ctrl_c_at_the_password_prompt_is_an_interruption(workspace: Path) -> None:
    """click turns Ctrl-C at a prompt into Abort ("Aborted!", exit 1: the code of item errors)."""
    import pty

    main, terminal = pty.openpty()
    command = [sys.executable, "-m", "trendpapers", "-c", str(workspace / CONFIG_NAME), "editors", "add", "x"]
    with subprocess.Popen(command, stdin=terminal, stdout=terminal, stderr=terminal) as process:
        os.close(terminal)
        shown = b""
        while b"Password" not in shown:  # the prompt is up: the command waits for the terminal
            ready, _, _ = select.select([main], [], [], 120)
            assert ready, shown
            shown += os.read(main, 1024)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=120)
        while select.select([main], [], [], 0.5)[0]:
            try:
                shown += os.read(main, 1024)
            except OSError:  # the terminal closed with the process
                break
    os.close(main)
    assert process.returncode == 130 and b"interrupted" in shown and b"Aborted!" not in shown


@pytest.mark.parametrize(
    "value,expected",
    [
        ("127.0.0.1:8001", ("127.0.0.1", 8001)),
        ("[::1]:0", ("::1", 0)),
        ("localhost:9000", ("localhost", 9000)),
    ],
)
def test_addresses(value: str, expected: tuple[str, int]) -> None:
    address = parse_address(value)
    assert (address.host, address.port) == expected and address.loopback


@pytest.mark.parametrize("value", ["8001", "127.0.0.1", "127.0.0.1:http", ":8001", "127.0.0.1:70000"])
def test_wrong_addresses_are_named(value: str) -> None:
    with pytest.raises(InputError, match=re.escape(f"--address {value!r}")):
        parse_address(value)


@dataclass
class Served:
    base: str
    process: subprocess.Popen[str]


def start_desk(workspace: Path, *extra: str) -> Served:
    """``trendpapers serve-editor`` in a process of its own, on a free port; its address."""
    process = subprocess.Popen(
        [sys.executable, "-m", "trendpapers", "-c", str(workspace / CONFIG_NAME), "serve-editor",
         "--address", "127.0.0.1:0", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ},
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        # Generous: a busy machine may take long to start Python; no test asserts a duration.
        while selector.select(timeout=120):
            line = process.stdout.readline()
            lines.append(line)
            found = re.search(r"editors' desk: (http://\S+?)/ ", line)
            if found:
                return Served(found.group(1), process)
            if not line:
                break
    stop_desk(Served("", process))
    raise AssertionError("serve-editor did not start:\n" + "".join(lines))


def stop_desk(served: Served) -> None:
    served.process.terminate()
    try:
        served.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        served.process.kill()
        served.process.wait()
    if served.process.stdout:
        served.process.stdout.close()


@pytest.fixture
def served(workspace: Path) -> Iterator[Served]:
    desk = start_desk(workspace, "--trusted-proxy", "127.0.0.1")
    yield desk
    stop_desk(desk)


def _get(url: str, headers: dict[str, str]) -> Any:
    opener = urllib.request.build_opener(_NoRedirect)
    return opener.open(urllib.request.Request(url, headers=headers), timeout=30)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_serve_editor_behind_a_tls_proxy(served: Served, config: Config) -> None:
    with _get(f"{served.base}/login", {}) as plain:
        assert plain.status == 200 and "default-src 'none'" in plain.headers["Content-Security-Policy"]
        assert "Secure" not in plain.headers["Set-Cookie"]
    tls = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    with _get(f"{served.base}/login", tls) as via_tls:
        cookie = via_tls.headers["Set-Cookie"]
        token = csrf_of(via_tls.read().decode())
    assert cookie.startswith("__Host-trendpapers-desk=") and "Secure" in cookie and "HttpOnly" in cookie
    form = urllib.parse.urlencode({"csrf": token, "name": "alice", "password": "wrong password!"}).encode()
    request = urllib.request.Request(
        f"{served.base}/login",
        data=form,
        headers={
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "203.0.113.7",
            "Cookie": cookie.split(";")[0],
        },
    )
    with pytest.raises(urllib.error.HTTPError) as failed:
        urllib.request.urlopen(request, timeout=30)
    assert failed.value.code == 401
    failed.value.close()
    assert [e.address for e in events(config) if e.action == "sign-in failed"] == ["203.0.113.7"]


def test_serve_editor_refuses_a_wrong_proxy_address(workspace: Path) -> None:
    result = CliRunner().invoke(
        cli, ["-c", str(workspace / CONFIG_NAME), "serve-editor", "--trusted-proxy", "nginx"]
    )
    assert (
        result.exit_code == 2 and "--trusted-proxy 'nginx': expected the proxy's IP address" in result.output
    )


# --- the desk's tables, and the desk on PostgreSQL --------------------------------------------------


def test_the_desks_tables(engine: sa.Engine) -> None:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        key = store.signing_key(conn)
        assert store.signing_key(conn) == key and len(key) == 64
        digest = store.keep_snapshot(conn, "text one", now)
        assert store.keep_snapshot(conn, "text one", now) == digest  # kept once
        assert (
            store.get_snapshot(conn, digest) == "text one"
            and store.find_snapshot(conn, digest[:12]) == "text one"
        )
        store.insert_editor(conn, "Alice", "hash", now)
        assert store.find_editor_name(conn, "alice") == "Alice"
        token = store.open_session(conn, "Alice", "127.0.0.1", now)
        assert store.get_session(conn, token).editor == "Alice"  # type: ignore[union-attr]
        for minutes in (1, 2, 3):
            store.record_login(conn, "ALICE", "192.0.2.1", False, now - timedelta(minutes=minutes))
        store.record_login(conn, "alice", "192.0.2.1", True, now - timedelta(minutes=2, seconds=30))
        # Counted from the last success for the account; for the address, all of them.
        assert len(store.failures_since(conn, now - timedelta(hours=1), name="Alice")) == 2
        assert len(store.failures_since(conn, now - timedelta(hours=1), address="192.0.2.1")) == 3
        store.save_view(conn, "Alice", "textile", "2026-Q4", store.View(digest, None, "draft", now))
        old = store.keep_snapshot(conn, "an old text", now - timedelta(days=60))
        store.drop_old_snapshots(conn, now - timedelta(days=30))
        assert store.get_snapshot(conn, old) is None and store.get_snapshot(conn, digest) == "text one"
        store.add_decisions(conn, "textile", "2026-Q4", [("k", "reject", "a\n", "b\n")], "Alice", now)
        assert store.last_decisions(conn, "textile", "2026-Q4")["k"].decision == "reject"
        store.delete_editor(conn, "Alice")
        assert store.get_session(conn, token) is None and store.get_views(conn, "Alice") == {}


def test_the_desk_on_postgresql(tmp_path: Path) -> None:
    """A workspace whose store is PostgreSQL: sign in, save, a refused concurrent save, approve and
    publish (the site built from the store)."""
    if not POSTGRES_URL:
        pytest.skip("no PostgreSQL server (set TRENDPAPERS_TEST_POSTGRES_URL, as .ci/run does)")
    import uuid

    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"trendpapers_desk_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        init_workspace(tmp_path / "ws", "PG Cluster")
        path = tmp_path / "ws" / CONFIG_NAME
        path.write_text(path.read_text().replace('url = "sqlite:///trendpapers.db"', f'url = "{url}"', 1))
        config = load_config(path)
        assert config.storage_url == url
        engine = open_store(url)
        text = (
            '---\ntitle: "Textile: trends 2026-Q4"\nindustry: "textile"\nedition: "2026-Q4"\n'
            'status: "draft"\nprovenance:\n  documents: 3\n---\n\n# Textile: trends 2026-Q4\n\nWritten by hand.\n'
        )
        (config.papers_dir / "textile").mkdir(parents=True)
        (config.papers_dir / "textile" / "2026-Q4.md").write_text(text)
        with engine.begin() as conn:
            papers_store.save_paper(
                conn,
                papers_store.PaperRow(
                    "textile", "2026-Q4", datetime(2026, 10, 1).date(), "textile/2026-Q4.md", "draft", text,
                    "2026-11-20T00:00:00Z", (),
                ),
            )  # fmt: skip
        engine.dispose()
        commands.add(config, "alice", PASSWORD, "tests")
        commands.add(config, "bob", PASSWORD, "tests")
        app = create_app(config)
        alice, bob = editor(app, "alice"), editor(app, "bob")
        path_ = "/papers/textile/2026-Q4"
        _, a_csrf, a_version = alice.open(path_)
        _, b_csrf, b_version = bob.open(path_)
        assert bob.save(text.replace("by hand", "by Bob"), b_version, b_csrf, path_).status_code == 303
        assert alice.save(text.replace("by hand", "by Alice"), a_version, a_csrf, path_).status_code == 409
        assert "by Bob" in read_paper(config.papers_dir / "textile" / "2026-Q4.md")[0]
        assert "is approved" in notice(alice.act("approve", path_))
        said = notice(alice.act("publish", path_))
        assert "is published" in said and "The site: built" in said
        assert (config.root / "build" / "site" / "papers" / "textile" / "2026-Q4" / "index.html").is_file()
        app.extensions["trendpapers-desk"].engine.dispose()
    finally:
        from trendpapers.db import close_stores

        close_stores()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
