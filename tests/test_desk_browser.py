"""The editors' desk in a browser: ``trendpapers serve-editor`` in a process of its own, on the demo
plus a hostile feed (tests/data/xss), driven in headless Chromium (Debian's package, through
playwright) as the site's browser tests do, and checked with axe-core.

The tests share one workspace and one desk and build on each other's state (they run in file
order): each works on its own paper or account where it can. Screenshots go to
``build/test-artifacts/`` (override with TRENDPAPERS_ARTIFACTS).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from desk import commands
from papers.draft import proposal_path
from papers.files import read_paper
from tests.test_desk import PASSWORD, Served, start_desk, stop_desk
from tests.test_site_browser import _screenshot, _Watched, chromium, hostile_demo, serious_violations
from trendpapers.cli import cli
from trendpapers.config import CONFIG_NAME, Config
from trendpapers.demo import serve_folder

EDITORS = ("alice", "bob", "carol")
SOURCE = 'Fibre <script>alert("source")</script> Watch'


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    """The demo plus the hostile feed, through ingest, analysis and draft; three editors."""
    directory = tmp_path_factory.mktemp("desk-browser") / "demo"
    loaded, engine = hostile_demo(directory)
    engine.dispose()
    for name in EDITORS:
        commands.add(loaded, name, PASSWORD, "tests")
    return loaded


@pytest.fixture(scope="module")
def desk(config: Config) -> Iterator[str]:
    served: Served = start_desk(config.root)
    yield served.base
    stop_desk(served)


@pytest.fixture(scope="module")
def browser(desk: str) -> Iterator[Any]:
    """Chromium, started after the workspace is made (ingest runs its own event loop, which cannot
    run inside playwright's)."""
    yield from chromium()


def go(page: Any, selector: str) -> None:
    """Click what submits a form or follows a link, and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)


def signed_in(browser: Any, desk: str, name: str, **options: Any) -> _Watched:
    """A browser context of its own, signed in as ``name`` through the sign-in form."""
    w = _Watched(browser, **options)
    w.page.goto(f"{desk}/")
    assert w.page.url.startswith(f"{desk}/login?next=")
    w.page.fill("#desk-name", name)
    w.page.fill("#desk-password", PASSWORD)
    go(w.page, "form.desk-login button[type=submit]")
    w.page.wait_for_url(f"{desk}/")
    return w


def paper_path(config: Config, industry: str) -> Path:
    return config.papers_dir / industry / "2026-Q4.md"


def text_of(config: Config, industry: str) -> str:
    return read_paper(paper_path(config, industry))[0]


def notice(page: Any) -> str:
    return " ".join(page.locator(".desk-notice").all_inner_texts())


def check_clean(w: _Watched, *answered: int) -> None:
    """Nothing ran, nothing failed, nothing was asked of another host. Chromium logs a page that
    came with an error status (a refused sign-in, 401) as an error; ``answered`` are those expected."""
    expected = {f"Failed to load resource: the server responded with a status of {n} " for n in answered}
    assert not w.dialogs, w.dialogs
    assert not [e for e in w.errors if not any(e.startswith(x) for x in expected)], w.errors
    assert w.hosts == {"127.0.0.1"}, w.hosts


def test_sign_in_and_out(browser: Any, desk: str) -> None:
    w = _Watched(browser)
    w.page.goto(f"{desk}/login")
    w.page.fill("#desk-name", "alice")
    w.page.fill("#desk-password", "not the password")
    go(w.page, "form.desk-login button[type=submit]")
    assert "Wrong name or password." in notice(w.page)
    w.page.fill("#desk-password", PASSWORD)
    go(w.page, "form.desk-login button[type=submit]")
    w.page.wait_for_url(f"{desk}/")
    rows = w.page.locator("table.desk-table tbody tr")
    assert rows.count() == 3 and "new to you" in rows.first.inner_text()
    _screenshot(w.page, "desk-papers")
    go(w.page, "form.desk-signout button")
    w.page.wait_for_url(f"{desk}/login?out=1")
    assert "You are signed out." in notice(w.page)
    w.page.goto(f"{desk}/")
    assert "/login" in w.page.url
    check_clean(w, 401)
    w.close()


def test_edit_preview_and_save_a_paper(browser: Any, desk: str, config: Config) -> None:
    w = signed_in(browser, desk, "alice")
    page = w.page
    go(page, "a[href='/papers/logistics/2026-Q4']")
    chart = page.locator(".desk-preview img").first
    chart.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", chart.element_handle())
    assert page.locator(".desk-preview sup a.footnote-ref").count() > 0  # citations, as on the site
    text = page.input_value("#desk-text")
    assert text == text_of(config, "logistics")
    edited = text.replace("## Key trends", "## Key trends\n\nA paragraph the editors wrote.", 1)
    page.fill("#desk-text", edited)
    go(page, "button[value=preview]")
    assert page.locator(".desk-preview p", has_text="A paragraph the editors wrote.").count() == 1
    assert text_of(config, "logistics") == text  # a preview saves nothing
    go(page, "button[value=save]")
    page.wait_for_url("**/papers/logistics/2026-Q4?done=*")
    assert "logistics 2026-Q4 saved" in notice(page)
    assert text_of(config, "logistics") == edited
    assert page.input_value("#desk-text") == edited
    _screenshot(page, "desk-paper")
    check_clean(w)
    w.close()


def test_a_second_editors_save_over_a_newer_version_is_refused_and_nothing_lost(
    browser: Any, desk: str, config: Config
) -> None:
    alice, bob = signed_in(browser, desk, "alice"), signed_in(browser, desk, "bob")
    for w in (alice, bob):
        w.page.goto(f"{desk}/papers/logistics/2026-Q4")
    original = alice.page.input_value("#desk-text")
    bobs = original.replace("## Executive summary", "## Executive summary\n\nBob's opening line.", 1)
    bob.page.fill("#desk-text", bobs)
    go(bob.page, "button[value=save]")
    bob.page.wait_for_url("**?done=*")
    alices = original.rstrip("\n") + "\n\nAlice's closing line.\n"
    alice.page.fill("#desk-text", alices)
    go(alice.page, "button[value=save]")
    assert (
        "Not saved: a newer version is there" in alice.page.locator("section.desk-conflict h2").inner_text()
    )
    assert text_of(config, "logistics") == bobs  # bob's save stands
    # Both versions in full, folded away below the merged text to save.
    yours, current = alice.page.locator("section.desk-conflict details pre.desk-text").all_text_contents()
    assert "Alice's closing line." in yours and "Bob's opening line." not in yours
    assert "Bob's opening line." in current and "Alice's closing line." not in current
    assert "bob saved this paper" in alice.page.locator("section.desk-conflict").inner_text()
    assert len(alice.errors) == 1 and "409" in alice.errors.pop()  # the refusal's status, as logged
    merged = alice.page.input_value("#desk-text")
    assert "Bob's opening line." in merged and "Alice's closing line." in merged
    _screenshot(alice.page, "desk-conflict")
    go(alice.page, "button[value=save]")
    alice.page.wait_for_url("**?done=*")
    saved = text_of(config, "logistics")
    assert "Bob's opening line." in saved and "Alice's closing line." in saved
    for w in (alice, bob):
        check_clean(w)
        w.close()


def test_a_proposal_accepted_in_part_and_the_rejected_change_stays_out(
    browser: Any, desk: str, config: Config
) -> None:
    w = signed_in(browser, desk, "alice")
    page = w.page
    page.goto(f"{desk}/papers/medtech/2026-Q4")
    go(page, "form.desk-action button:has-text('Approve')")
    page.wait_for_url("**?done=*")
    assert "medtech 2026-Q4 is approved" in notice(page)
    page.goto(f"{desk}/trends#trend-medtech-0001")
    page.fill("#desk-name-medtech-0001", "Federated imaging")
    go(page, "#trend-medtech-0001 button[value=rename]")
    assert "medtech-0001 is now called 'Federated imaging'" in notice(page)

    ws = str(config.root / CONFIG_NAME)
    drafted = CliRunner().invoke(cli, ["-c", ws, "draft", "--industry", "medtech"])
    assert drafted.exit_code == 0 and "proposed  medtech 2026-Q4" in drafted.output, drafted.output
    page.goto(f"{desk}/papers/medtech/2026-Q4")
    go(page, "a:has-text('review the proposal change by change')")
    changes = page.locator("fieldset.desk-change")
    assert changes.count() >= 2
    summary, heading = changes.nth(0), changes.nth(1)
    assert "**Federated imaging**" in summary.locator("ins").inner_text()
    assert "### Federated imaging {#medtech-0001}" in heading.locator("ins").inner_text()
    _screenshot(page, "desk-proposal")
    page.check("#accept-1")
    for n in range(2, changes.count() + 1):
        page.check(f"#reject-{n}")
    go(page, "button:has-text('Apply the decisions')")
    page.wait_for_url("**/papers/medtech/2026-Q4?done=*")
    assert "1 change(s) accepted" in notice(page)
    taken = text_of(config, "medtech")
    assert "- **Federated imaging**" in taken and "### AI imaging {#medtech-0001}" in taken
    assert not proposal_path(paper_path(config, "medtech")).exists()

    again = CliRunner().invoke(cli, ["-c", ws, "draft", "--industry", "medtech"])
    assert again.exit_code == 0 and "unchanged medtech 2026-Q4" in again.output, again.output
    assert text_of(config, "medtech") == taken  # the rejected change did not come back
    assert not proposal_path(paper_path(config, "medtech")).exists()
    check_clean(w)
    w.close()


def test_approve_and_publish_and_the_public_site_shows_the_paper(
    browser: Any, desk: str, config: Config
) -> None:
    w = signed_in(browser, desk, "bob")
    page = w.page
    page.goto(f"{desk}/papers/logistics/2026-Q4")
    assert page.locator("form.desk-action button:has-text('Publish')").count() == 0  # a draft: approve first
    go(page, "form.desk-action button:has-text('Approve')")
    page.wait_for_url("**?done=*")
    assert "logistics 2026-Q4 is approved" in notice(page)
    go(page, "form.desk-action button:has-text('Publish')")
    page.wait_for_url("**?done=*")
    said = notice(page)
    assert "logistics 2026-Q4 is published" in said and "The site: built" in said, said
    check_clean(w)
    with serve_folder((config.root / "build" / "site").resolve()) as site:
        page.goto(f"{site}/papers/logistics/2026-Q4/")
        assert page.locator("article h1").inner_text().startswith("Logistics: trends 2026-Q4")
        assert "Alice's closing line." in page.locator("article").inner_text()  # the editors' text
    w.close()


def test_wrong_passwords_are_rate_limited(browser: Any, desk: str) -> None:
    w = _Watched(browser)
    w.page.goto(f"{desk}/login")
    for _ in range(5):
        w.page.fill("#desk-name", "carol")
        w.page.fill("#desk-password", "a wrong guess")
        go(w.page, "form.desk-login button[type=submit]")
        assert "Wrong name or password." in notice(w.page)
    w.page.fill("#desk-password", PASSWORD)  # the right one, too late
    with w.page.expect_response(f"{desk}/login") as answer, w.page.expect_navigation():
        w.page.click("form.desk-login button[type=submit]")
    assert answer.value.status == 429 and int(answer.value.headers["retry-after"]) > 0
    assert "too many failed sign-ins for this account" in notice(w.page)
    assert "/login" in w.page.url
    w.close()


def test_a_change_from_another_site_without_the_csrf_token_is_refused(
    browser: Any, desk: str, config: Config, tmp_path: Path
) -> None:
    w = signed_in(browser, desk, "alice")
    w.page.goto(f"{desk}/papers/logistics/2026-Q4")
    version = w.page.locator("input[name=version]").get_attribute("value")
    before = paper_path(config, "logistics").read_bytes()
    (tmp_path / "index.html").write_text(
        '<!doctype html><html lang="en"><head><title>A prize</title></head><body>'
        f'<form method="post" action="{desk}/papers/logistics/2026-Q4/text">'
        f'<input type="hidden" name="text" value="Defaced."><input type="hidden" name="version" value="{version}">'
        '<input type="hidden" name="do" value="save"><button type="submit">Claim your prize</button></form>'
        "</body></html>"
    )
    with serve_folder(tmp_path) as elsewhere:
        w.page.goto(f"{elsewhere}/")
        with (
            w.page.expect_response(f"{desk}/papers/logistics/2026-Q4/text") as answer,
            w.page.expect_navigation(),
        ):
            w.page.click("button")
        assert answer.value.status == 403
    assert "security token" in w.page.locator("main").inner_text()
    assert paper_path(config, "logistics").read_bytes() == before
    w.close()


HOSTILE = """

## Notes {onclick="alert('attr')" onmouseover="alert('over')" #desk-text}

<script>alert('script')</script><img src=x onerror="alert('img')"> <img src="https://evil.example/pixel.png">
<a href="javascript:alert('link')">link</a> [md link](javascript:alert('md')) <svg onload="alert('svg')"></svg>
<iframe src="https://evil.example/"></iframe><iframe srcdoc="<script>alert('srcdoc')</script>"></iframe>
<style>@import url(https://evil.example/x.css);</style><object data="https://evil.example/x.swf"></object>
<details open ontoggle="alert('toggle')"><summary>more</summary>text</details>
<meta http-equiv="refresh" content="0;url=https://evil.example/"><base href="https://evil.example/">
"""


def test_hostile_paper_and_feed_text_runs_nothing_in_the_desk(
    browser: Any, desk: str, config: Config
) -> None:
    attacker = _Watched(browser)  # a sign-in name is stored and shown on the activity page
    attacker.page.goto(f"{desk}/login")
    attacker.page.fill("#desk-name", "<img src=x onerror=alert('name')>")
    attacker.page.fill("#desk-password", "whatever it is")
    go(attacker.page, "form.desk-login button[type=submit]")
    check_clean(attacker, 401)
    attacker.close()

    w = signed_in(browser, desk, "alice")
    page = w.page
    page.goto(f"{desk}/papers/textile/2026-Q4")
    text = page.input_value("#desk-text")
    page.fill("#desk-text", text + HOSTILE)
    go(page, "button[value=preview]")
    go(page, "button[value=save]")
    page.wait_for_url("**?done=*")
    assert HOSTILE.strip() in text_of(config, "textile")
    everything = page.locator("main").inner_text()
    assert SOURCE in everything  # the hostile source's name, cited in the preview, as text
    # A title or a quoted sentence of the three hostile articles (near-duplicates: which one counts
    # depends on the order of fetching and the grouping), as in the site's browser test.
    shown = ['<script>alert("title")</script>Nordweave', '[Click here](javascript:alert("md")) Kalvstad']
    shown += [f'<script>alert("text-{n}")</script>' for n in (1, 2, 3)]
    for path in ("/", "/papers/textile/2026-Q4", "/trends", "/activity", "/papers/medtech/2026-Q4"):
        page.goto(f"{desk}{path}")
        page.wait_for_load_state("load")
        page.mouse.move(200, 400)
        for a in page.locator("a").all():
            assert not (a.get_attribute("href") or "").strip().lower().startswith("javascript:")
        everything += page.locator("main").inner_text()
        assert (
            page.locator("script, iframe, object, embed, svg, base, meta[http-equiv='refresh']").count() == 0
        )
    assert any(text in everything for text in shown)  # hostile feed text reached the desk, as text
    assert "<img src=x onerror=alert('name')>" in everything
    page.goto(f"{desk}/papers/textile/2026-Q4")
    page.locator("details summary").click()  # ontoggle would fire now
    page.locator(".desk-preview h2", has_text="Notes").hover()
    _screenshot(page, "desk-hostile")
    check_clean(w)
    w.close()


@pytest.mark.parametrize(
    "path", ["/login", "/", "/papers/medtech/2026-Q4", "/papers/logistics/2026-Q4", "/trends", "/activity"]
)
def test_the_desk_passes_the_accessibility_check(browser: Any, desk: str, config: Config, path: str) -> None:
    w = signed_in(browser, desk, "bob", bypass_csp=True)  # axe is a script the desk's CSP rightly refuses
    if path == "/login":
        go(w.page, "form.desk-signout button")
    w.page.goto(f"{desk}{path}")
    assert not serious_violations(w.page)
    w.close()


def test_the_proposal_page_passes_the_accessibility_check(browser: Any, desk: str, config: Config) -> None:
    ws = ["-c", str(config.root / CONFIG_NAME)]
    # A new draft of an approved paper waits as a proposal: approved here unless an earlier test did
    # (then this refuses, and the paper is approved all the same).
    CliRunner().invoke(cli, [*ws, "papers", "approve", "medtech", "--by", "bob"])
    w = signed_in(browser, desk, "bob", bypass_csp=True)
    w.page.goto(f"{desk}/trends")
    w.page.fill("#desk-name-medtech-0001", "Imaging across hospitals")
    go(w.page, "#trend-medtech-0001 button[value=rename]")
    drafted = CliRunner().invoke(cli, [*ws, "draft", "--industry", "medtech"])
    assert "proposed  medtech 2026-Q4" in drafted.output, drafted.output
    w.page.goto(f"{desk}/papers/medtech/2026-Q4/proposal")
    assert w.page.locator("fieldset.desk-change").count() >= 2
    assert not serious_violations(w.page)
    w.close()


@pytest.mark.parametrize("path", ["/", "/activity", "/trends", "/papers/textile/2026-Q4"])
def test_every_desk_page_fits_a_phone_screen(browser: Any, desk: str, path: str) -> None:
    w = signed_in(browser, desk, "bob")  # (carol is locked out by the test of wrong passwords)
    w.page.set_viewport_size({"width": 390, "height": 844})
    w.page.goto(f"{desk}{path}")
    assert w.page.evaluate("document.documentElement.scrollWidth") <= 390
    if path in ("/", "/activity"):  # a row is a card, each value under its column's name
        cell = w.page.locator("table.desk-table tbody td").first
        assert (
            w.page.evaluate("e => getComputedStyle(e, '::before').content", cell.element_handle()) != "none"
        )
    w.close()
