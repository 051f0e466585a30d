"""``trendpapers build`` on the demo workspace (the real pipeline, via ``trendpapers demo``): what
reaches the public site, the preview, no-op rebuilds, and failed builds that leave the site alone."""

from __future__ import annotations

import errno
import json
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner, Result

from tests.conftest import DemoRun
from trendpapers.cli import cli

# The demo through the real pipeline, then MkDocs builds: the full suite's (the pages and checks
# themselves: test_sitepages, test_sitecheck).
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(demo_run: DemoRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert "publish: textile 2026-Q4 is published" in demo_run.output
    assert "build: built" in demo_run.output and "python -m http.server -d" in demo_run.output
    return demo_run.copy(tmp_path_factory, "site")


@pytest.fixture
def workspace(demo: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "demo"
    shutil.copytree(demo, copy, symlinks=True)
    return copy


def _tp(workspace: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-c", str(workspace / "trendpapers.toml"), *args])


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_only_published_papers_reach_the_site_and_the_preview_marks_drafts(workspace: Path) -> None:
    site = workspace / "build" / "site"
    assert (site / "papers" / "textile" / "2026-Q4" / "index.html").is_file()
    assert not (site / "papers" / "medtech").exists()  # a draft
    home = lxml.html.parse(str(site / "index.html")).getroot()
    assert home.get("lang") == "en"
    assert [a.text_content() for a in home.xpath("//article//ul[1]//a")][:1] == ["Textile: trends 2026-Q4"]
    public = _files(site.resolve())

    result = _tp(workspace, "build", "--preview")
    assert result.exit_code == 0, result.output
    preview = workspace / "build" / "preview"
    draft = (preview / "papers" / "medtech" / "2026-Q4" / "index.html").read_text(encoding="utf-8")
    assert "PREVIEW: not published (status: draft)" in draft
    published = (preview / "papers" / "textile" / "2026-Q4" / "index.html").read_text(encoding="utf-8")
    assert "DRAFT" not in published
    assert _files(site.resolve()) == public  # the preview never touches the public site


def test_the_cross_sector_page_shows_the_published_trends_opportunities_with_both_sides(demo: Path) -> None:
    site = demo / "build" / "site"
    page = lxml.html.parse(str(site / "opportunities" / "index.html")).getroot()
    article = page.xpath("//article")[0]
    (heading,) = [h for h in article.iter("h2") if " meets " in h.text_content()]  # the textile paper's one
    assert heading.get("id", "").startswith("opp-")
    text = " ".join(article.text_content().split())
    assert "From Textile (trend:" in text and "From Medical technology" in text
    assert "Knitted sensor sock from Textura Labs targets diabetic foot care" in text
    assert "Diabetes clinic starts patient study of knitted pressure-sensing sock" in text
    assert "Why:" in text and "also read" in text
    # Only what a published paper's trends touch: the logistics paper is a draft, its field
    # opportunity (the warehouse digital twin) is not on the site yet.
    assert "digital twin" not in text
    nav = [a.text_content().strip() for a in page.xpath("//nav//a")]
    assert "Opportunities" in nav


def _member_data(workspace: Path) -> list[bytes]:
    """Every member name and address in the workspace's member file, as bytes to search for."""
    import tomllib

    members = tomllib.loads((workspace / "members.toml").read_text(encoding="utf-8"))["members"]
    found = [m["name"].encode() for m in members] + [m["email"].encode() for m in members]
    assert len(found) == 14
    return found


def _leaked(folder: Path, needles: list[bytes]) -> list[str]:
    """Every file under ``folder`` (pages, search index, feeds, images) holding one of ``needles``."""
    return [
        f"{rel}: {n.decode()}"
        for rel, data in _files(folder.resolve()).items()
        for n in needles
        if n.lower() in data.lower()
    ]


def test_no_member_name_or_address_reaches_the_site_or_the_preview(workspace: Path) -> None:
    needles = _member_data(workspace)
    drafts = b"".join(p.read_bytes() for p in (workspace / "papers").rglob("*.md"))
    assert b"Meshwerk Simulation GmbH" in drafts and b"Fibrecircle Data" in drafts  # the editors see them
    for industry in ("medtech", "logistics"):
        for action in ("approve", "publish"):
            result = _tp(workspace, "papers", action, industry)
            assert result.exit_code == 0, result.output
    assert _tp(workspace, "build", "--preview").exit_code == 0
    site, preview = workspace / "build" / "site", workspace / "build" / "preview"
    assert (site / "papers" / "logistics" / "2026-Q4" / "index.html").is_file()
    assert _leaked(site, needles) == [] and _leaked(preview, needles) == []
    assert _leaked(workspace / "build" / "docs-site", needles) == []  # nor the Markdown it is built from


def test_a_damaged_member_block_or_a_member_address_stops_the_build(workspace: Path) -> None:
    site = (workspace / "build" / "site").resolve()
    before = _files(site)
    paper = workspace / "papers" / "textile" / "2026-Q4.md"
    text = paper.read_text(encoding="utf-8")
    paper.write_text(text.replace("<!-- /trendpapers:members -->\n", ""), encoding="utf-8")
    result = _tp(workspace, "build")
    assert result.exit_code == 3 and "2026-Q4.md: the member block opened on line" in result.output
    assert "is not closed" in result.output
    paper.write_text(text, encoding="utf-8")
    (workspace / "site" / "docs" / "contacts.md").write_text(
        "# Contacts\n\nWrite to projects@MESHWERK.example.\n", encoding="utf-8"
    )
    result = _tp(workspace, "build")
    assert (
        result.exit_code == 3
        and "contacts.md: holds the member address projects@meshwerk.example" in result.output
    )
    assert (workspace / "build" / "site").resolve() == site and _files(site) == before


def test_the_workspace_may_publish_the_member_matches(workspace: Path) -> None:
    config = workspace / "trendpapers.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("show_members = false", "show_members = true", 1),
        encoding="utf-8",
    )
    assert _tp(workspace, "build").exit_code == 0
    page = (workspace / "build" / "site" / "papers" / "textile" / "2026-Q4" / "index.html").read_text(
        encoding="utf-8"
    )
    assert "Members whose competences match" in page and "Fibrecircle Data" in page
    assert "@" not in page.split("Members whose competences match", 1)[1].split("</ul>", 1)[0]


def test_a_build_with_nothing_new_changes_nothing(workspace: Path) -> None:
    assert _tp(workspace, "build").exit_code == 0  # the copy's paths differ from the demo's: built again
    site = (workspace / "build" / "site").resolve()
    before = _files(site)
    result = _tp(workspace, "build")
    assert result.exit_code == 0 and "build: unchanged" in result.output
    assert (workspace / "build" / "site").resolve() == site and _files(site) == before


def test_an_edit_of_the_theme_changes_what_every_page_is_built_from(tmp_path: Path) -> None:
    from papers.sitebuild import _fingerprints

    theme = tmp_path / "overrides"
    (theme / "partials").mkdir(parents=True)
    (theme / "partials" / "footer.html").write_text("<footer>one</footer>", encoding="utf-8")
    options = {"theme": {"name": "material", "custom_dir": str(theme)}}
    before = _fingerprints({"index.md": b"# Home"}, options, b"")
    (theme / "partials" / "footer.html").write_text("<footer>two</footer>", encoding="utf-8")
    after = _fingerprints({"index.md": b"# Home"}, options, b"")
    assert after["structure"] != before["structure"] and after["content"] != before["content"]


def _comparable(folder: Path) -> dict[str, object]:
    files: dict[str, object] = {}
    for rel, data in _files(folder).items():
        if rel == "search/search_index.json":
            index = json.loads(data)
            files[rel] = sorted(json.dumps(d, sort_keys=True) for d in index["docs"])
        elif not rel.startswith("sitemap.xml"):  # dated by the build
            files[rel] = data
    return files


def test_a_plain_mkdocs_build_leaves_the_live_site_alone_and_a_damaged_site_is_rebuilt(
    workspace: Path,
) -> None:
    site = workspace / "build" / "site"
    before = _files(site.resolve())
    plain = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(workspace / "mkdocs.yml")],
        cwd=workspace, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert plain.returncode == 0, plain.stderr
    assert _files(site.resolve()) == before
    # Damage done by hand (or by an older workspace's mkdocs.yml): the next build notices.
    shutil.rmtree(site.resolve() / "papers")
    result = _tp(workspace, "build")
    assert result.exit_code == 0 and "build: built" in result.output, result.output
    assert _files(site.resolve()).keys() == before.keys()


def test_editing_one_paper_rebuilds_it_alone_with_the_same_result_as_a_full_build(workspace: Path) -> None:
    assert _tp(workspace, "build").exit_code == 0  # the copy: built in full
    before = _files((workspace / "build" / "site").resolve())
    paper = workspace / "papers" / "textile" / "2026-Q4.md"
    paper.write_text(paper.read_text(encoding="utf-8") + "\nZanderwick joins the recycling consortium.\n")
    result = _tp(workspace, "build")
    assert result.exit_code == 0 and "build: built incrementally" in result.output, result.output
    site = (workspace / "build" / "site").resolve()
    after = _files(site)
    changed = {rel for rel in after if after[rel] != before.get(rel)}
    assert "papers/textile/2026-Q4/index.html" in changed and "trends/textile-0001/index.html" not in changed
    assert (
        b"Zanderwick" in after["search/search_index.json"]
        and b"Restrand" in after["search/search_index.json"]
    )
    incremental = _comparable(site)
    assert _tp(workspace, "build", "--force").exit_code == 0
    assert _comparable((workspace / "build" / "site").resolve()) == incremental


def test_an_incremental_build_indexes_only_its_own_site(demo: Path, tmp_path: Path) -> None:
    """MkDocs keeps plugins for the process: the search plugin once carried the index of the last
    incremental build (another workspace's, or an older one of this site) into the next."""
    other, mine = (tmp_path / "other", tmp_path / "mine")
    for copy in (other, mine):
        shutil.copytree(demo, copy, symlinks=True)
    for action in ("approve", "publish"):
        assert _tp(other, "papers", action, "medtech", "--force").exit_code == 0
    assert _tp(mine, "build").exit_code == 0  # the copy: built in full
    for copy, industry in ((other, "medtech"), (mine, "textile")):
        paper = copy / "papers" / industry / "2026-Q4.md"
        paper.write_text(paper.read_text(encoding="utf-8") + "\nA line of our own.\n", encoding="utf-8")
        result = _tp(copy, "build")
        assert "built incrementally" in result.output, result.output
    index = json.loads((mine / "build" / "site" / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert {d["location"].split("/")[1] for d in index["docs"] if d["location"].startswith("papers/")} == {
        "textile"
    }


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("\n<script>alert('editor')</script>\n", "a <script> element in the content"),
        ("\n[a page that does not exist](nowhere.md)\n", "mkdocs build failed"),
        (
            '\n<img src="https://cdn.example.org/x.png" alt="x">\n',
            "loads 'https://cdn.example.org/x.png' from another host",
        ),
        (
            '\n<img src="a.png" srcset="a.png 1x, https://t.example/b.png 2x" alt="x">\n',
            "loads 'https://t.example/b.png'",
        ),
        ('\n<video poster="https://t.example/p.jpg"></video>\n', "<video> loads 'https://t.example/p.jpg'"),
        (
            '\n<p style="background: url(https://t.example/bg.png)">x</p>\n',
            "a style= on <p> loads from another host",
        ),
        (
            '\n<svg><image href="https://t.example/i.png"/><filter><feImage href="//t.example/f.png"/></filter></svg>\n',
            "<image> loads 'https://t.example/i.png'",
        ),
        (
            '\n<svg><a><animate attributeName="href" to="javascript:alert(1)"/><text>x</text></a></svg>\n',
            "<animate> sets a 'javascript:alert(1)' URL",
        ),
    ],
)
def test_a_failed_build_leaves_the_previous_site_in_place(workspace: Path, edit: str, message: str) -> None:
    site = (workspace / "build" / "site").resolve()
    before = _files(site)
    paper = workspace / "papers" / "textile" / "2026-Q4.md"
    paper.write_text(paper.read_text(encoding="utf-8") + edit, encoding="utf-8")
    result = _tp(workspace, "build")
    assert result.exit_code == 3 and message in result.output, result.output
    assert (workspace / "build" / "site").resolve() == site and _files(site) == before
    assert [p.name for p in (workspace / "build" / "site-builds").iterdir()] == [site.name]


@pytest.mark.parametrize(
    ("where", "content", "message"),
    [
        (
            "site/docs/badge.svg",
            '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>',
            "badge.svg: <script> is not allowed",
        ),
        (
            "papers/textile/charts/2026-Q4/extra.svg",
            '<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><text>x</text></a></svg>',
            "extra.svg: <a> links to 'javascript:alert(1)'",
        ),
        ("site/docs/old.htm", "<script>alert(1)</script>", "old.htm: a browser would run this file type"),
        (
            "site/docs/page.xhtml",
            "<html xmlns='http://www.w3.org/1999/xhtml'/>",
            "page.xhtml: a browser would",
        ),
    ],
)
def test_files_a_browser_would_run_are_checked_or_refused(
    workspace: Path, where: str, content: str, message: str
) -> None:
    site = (workspace / "build" / "site").resolve()
    (workspace / where).parent.mkdir(parents=True, exist_ok=True)
    (workspace / where).write_text(content, encoding="utf-8")
    result = _tp(workspace, "build")
    assert result.exit_code == 3 and message in result.output, result.output
    assert (workspace / "build" / "site").resolve() == site


def test_a_published_paper_whose_file_is_gone_stops_the_build_until_it_is_withdrawn(workspace: Path) -> None:
    site = (workspace / "build" / "site").resolve()
    before = _files(site)
    (workspace / "papers" / "textile" / "2026-Q4.md").unlink()
    result = _tp(workspace, "build")
    assert result.exit_code == 3, result.output
    assert "textile 2026-Q4 is published but the file is missing" in result.output
    assert "trendpapers papers withdraw textile 2026-Q4" in result.output
    assert (workspace / "build" / "site").resolve() == site and _files(site) == before
    withdrawn = _tp(workspace, "papers", "withdraw", "textile")
    assert withdrawn.exit_code == 0 and "withdrawn in the store only" in withdrawn.output, withdrawn.output
    assert not (workspace / "build" / "site" / "papers" / "textile").exists()


def test_a_publication_whose_build_fails_does_not_happen(workspace: Path) -> None:
    assert _tp(workspace, "papers", "approve", "medtech").exit_code == 0
    paper = workspace / "papers" / "medtech" / "2026-Q4.md"
    approved = paper.read_text(encoding="utf-8") + "\n<script>alert('editor')</script>\n"
    paper.write_text(approved, encoding="utf-8")
    refused = _tp(workspace, "papers", "publish", "medtech")  # said before the build
    assert refused.exit_code == 2 and "the site refuses a <script> element in the content" in refused.output
    # What only the build sees: a chart that runs a script.
    approved = approved.removesuffix("\n<script>alert('editor')</script>\n")
    paper.write_text(approved, encoding="utf-8")
    chart = next((paper.parent / "charts").rglob("*.svg"))
    chart.write_text('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>', encoding="utf-8")
    result = _tp(workspace, "papers", "publish", "medtech")
    assert result.exit_code == 3 and "not published, the site's build failed" in result.output, result.output
    assert paper.read_text(encoding="utf-8") == approved
    listing = _tp(workspace, "papers", "list", "--industry", "medtech").output
    assert "approved" in listing and "published" not in listing
    assert "published" not in _tp(workspace, "papers", "show", "medtech").output


def test_an_empty_paper_is_approved_only_with_force(workspace: Path) -> None:
    paper = workspace / "papers" / "medtech" / "2026-Q4.md"
    text = paper.read_text(encoding="utf-8")
    assert "**To fill in by the editors.**" in text
    paper.write_text(re.sub(r"(?m)^  documents: \d+$", "  documents: 0", text, count=1), encoding="utf-8")
    refused = _tp(workspace, "papers", "approve", "medtech")
    assert refused.exit_code == 2 and "is empty (no documents in its window" in refused.output, refused.output
    assert "or approve with --force" in refused.output
    assert 'status: "draft"' in paper.read_text(encoding="utf-8")
    forced = _tp(workspace, "papers", "approve", "medtech", "--force")
    assert forced.exit_code == 0 and 'status: "approved"' in paper.read_text(encoding="utf-8")


def test_a_full_disk_during_a_build_is_a_message_and_leaves_the_site(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import papers.sitebuild

    site = (workspace / "build" / "site").resolve()
    before = _files(site)

    def disk_full(*args: object, **kwargs: object) -> None:  # the disk, not MkDocs, is what is tested
        raise OSError(errno.ENOSPC, "No space left on device", str(workspace / "build"))

    monkeypatch.setattr(papers.sitebuild, "_mkdocs_build", disk_full)
    result = _tp(workspace, "build", "--force")
    assert result.exit_code == 3 and "No space left on device" in result.output, result.output
    assert "a bug" not in result.output and "Traceback" not in result.output
    assert (workspace / "build" / "site").resolve() == site and _files(site) == before


def test_a_published_paper_says_when_and_who_approved_it(workspace: Path) -> None:
    assert _tp(workspace, "papers", "approve", "medtech", "--by", "Ann Editor").exit_code == 0
    assert _tp(workspace, "papers", "publish", "medtech", "--by", "Bo").exit_code == 0
    page = lxml.html.parse(
        str(workspace / "build" / "site" / "papers" / "medtech" / "2026-Q4" / "index.html")
    )
    (note,) = page.getroot().find_class("tp-published")
    assert re.fullmatch(
        r"Published 20\d\d-\d\d-\d\d, approved by Ann Editor\.", " ".join(note.text_content().split())
    )


def test_footnotes_are_numbered_as_read_and_an_uncited_one_is_left_out(workspace: Path) -> None:
    paper = workspace / "papers" / "textile" / "2026-Q4.md"
    text = paper.read_text(encoding="utf-8")
    marks = re.findall(r"\[\^(doc-\d+)\](?!:)", text)
    once = next(m for m in marks if marks.count(m) == 1)
    (line,) = [x for x in text.split("\n") if f"[^{once}]" in x and not x.startswith("[^")]
    paper.write_text(text.replace(line + "\n", ""), encoding="utf-8")  # an editor deletes the sentence
    assert _tp(workspace, "build").exit_code == 0
    page = lxml.html.parse(
        str(workspace / "build" / "site" / "papers" / "textile" / "2026-Q4" / "index.html")
    )
    numbers = [int(a.text) for a in page.getroot().find_class("footnote-ref")]
    first_seen = list(dict.fromkeys(numbers))
    assert first_seen == list(range(1, len(first_seen) + 1))
    notes = [li.get("id") for li in page.getroot().xpath("//div[@class='footnote']//li")]
    assert f"fn:{once}" not in notes and len(notes) == len(first_seen)


def test_a_quoted_sentence_whose_footnote_definition_was_deleted_keeps_its_source(workspace: Path) -> None:
    paper = workspace / "papers" / "textile" / "2026-Q4.md"
    text = paper.read_text(encoding="utf-8")
    definition = re.search(r"^\[\^(doc-\d+)\]: \[(.+?)\]\(", text, re.M)
    assert definition
    (line,) = [x for x in text.split("\n") if x.startswith(definition.group())]
    paper.write_text(text.replace(line + "\n", ""), encoding="utf-8")  # the sentence stays
    result = _tp(workspace, "build")
    assert result.exit_code == 0, result.output
    assert f"[^{definition.group(1)}] is cited but its definition is gone" in result.output
    page = (workspace / "build" / "site" / "papers" / "textile" / "2026-Q4" / "index.html").read_text(
        encoding="utf-8"
    )
    assert f"[^{definition.group(1)}]" not in page
    notes = lxml.html.fromstring(page).xpath("//div[@class='footnote']//li")
    assert any(definition.group(2) in li.text_content() for li in notes)


def test_a_published_paper_of_an_industry_no_longer_configured_can_still_be_withdrawn(
    workspace: Path,
) -> None:
    config = workspace / "trendpapers.toml"
    text = config.read_text(encoding="utf-8")
    table = re.search(r"\[\[industries\]\]\nslug = \"textile\".*?(?=\[\[industries\]\])", text, re.S)
    assert table
    config.write_text(
        text.replace(table.group(), "").replace('industries = ["textile"]', "industries = []"),
        encoding="utf-8",
    )
    assert "unknown industry 'textle'" in _tp(workspace, "papers", "withdraw", "textle").output
    result = _tp(workspace, "papers", "withdraw", "textile")
    assert result.exit_code == 0, result.output
    assert "textile 2026-Q4: withdrawn" in result.output
    assert not (workspace / "build" / "site" / "papers" / "textile").exists()


def test_a_heading_renamed_after_publication_is_pointed_out_at_build(workspace: Path) -> None:
    paper = workspace / "papers" / "textile" / "2026-Q4.md"
    text = paper.read_text(encoding="utf-8")
    heading = re.search(r"^### (.+) \{#(textile-\d{4})\}$", text, re.M)
    assert heading
    paper.write_text(
        text.replace(heading.group(), f"### Smart fabrics {{#{heading.group(2)}}}"), encoding="utf-8"
    )
    result = _tp(workspace, "build")
    assert result.exit_code == 0, result.output
    assert (
        f"textile 2026-Q4: its heading calls {heading.group(2)} 'Smart fabrics', the site's other pages "
        f"{heading.group(1)!r}; `trendpapers rename-trend {heading.group(2)} 'Smart fabrics'` renames it there"
    ) in result.output


def test_site_settings_reach_the_theme(workspace: Path) -> None:
    config = workspace / "trendpapers.toml"
    (workspace / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>', encoding="utf-8"
    )
    text = config.read_text(encoding="utf-8").replace(
        'language = "en"            #', 'language = "de"            #'
    )
    text = text.replace('# logo = "logo.svg"', 'logo = "logo.svg"').replace(
        'primary = "indigo"', 'primary = "teal"'
    )
    config.write_text(text, encoding="utf-8")
    result = _tp(workspace, "build")
    assert result.exit_code == 0, result.output
    home = lxml.html.parse(str(workspace / "build" / "site" / "index.html")).getroot()
    assert home.get("lang") == "de"
    assert home.xpath("//body/@data-md-color-primary") == ["teal"]
    assert set(home.xpath("//a[contains(@class, 'md-logo')]//img/@src")) == {"assets/logo.svg"}


def test_publishing_rebuilds_the_site_and_the_preview_server_shows_drafts(workspace: Path) -> None:
    result = _tp(workspace, "papers", "approve", "medtech")
    assert result.exit_code == 0
    result = _tp(workspace, "papers", "publish", "medtech", "--by", "Ann")
    assert (
        result.exit_code == 0
        and "medtech 2026-Q4: published" in result.output
        and "build: built" in result.output
    )
    assert (workspace / "build" / "site" / "papers" / "medtech" / "2026-Q4" / "index.html").is_file()
    result = _tp(workspace, "papers", "withdraw", "medtech")
    assert result.exit_code == 0 and not (workspace / "build" / "site" / "papers" / "medtech").exists()

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "trendpapers", "-q", "-c", str(workspace / "trendpapers.toml"), "serve-preview",
         "--address", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/papers/logistics/2026-Q4/"

    def page_once(wanted: str) -> str:
        page = ""
        deadline = time.monotonic() + 180  # generous: the dev server builds first, and after an edit
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    page = r.read().decode("utf-8")
                if wanted in page:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        return page

    try:
        assert "PREVIEW: not published (status: draft)" in page_once("PREVIEW")
        # A saved edit shows after a rebuild (MkDocs once failed its config on the second load).
        paper = workspace / "papers" / "logistics" / "2026-Q4.md"
        paper.write_text(
            paper.read_text(encoding="utf-8").replace(
                "## Method and sources\n", "## Method and sources\n\nSeen by Bo.\n"
            ),
            encoding="utf-8",
        )
        assert "Seen by Bo." in page_once("Seen by Bo.")
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:  # never left running: reaped whatever happens
            server.kill()
            server.wait()


def test_a_renamed_trend_keeps_its_name_in_the_paper_the_site_and_later_analyses(workspace: Path) -> None:
    """Editors rename a trend by its heading in a draft, or with `rename-trend`; the name holds."""
    paper = workspace / "papers" / "medtech" / "2026-Q4.md"
    text = paper.read_text(encoding="utf-8")
    generated = re.search(r"^### (.+) \{#(medtech-\d+)\}$", text, re.M)
    assert generated, "the draft's trend heading carries the trend's id"
    old, trend_id = generated.groups()
    paper.write_text(
        text.replace(f"### {old} {{#", "### Federated learning in hospitals {#"), encoding="utf-8"
    )

    assert _tp(workspace, "draft").exit_code == 0
    redrafted = paper.read_text(encoding="utf-8")
    assert "- **Federated learning in hospitals**" in redrafted  # the executive summary follows
    assert f"**{old}**" not in redrafted and f"### {old} " not in redrafted
    listed = _tp(workspace, "trends", "--industry", "medtech").output
    assert trend_id in listed and "Federated learning in hospitals  [" in listed

    # The name holds through a later analysis, and reaches the trend page and the feeds.
    assert _tp(workspace, "analyze", "--as-of", "2026-11-27").exit_code == 0
    assert "Federated learning in hospitals" in _tp(workspace, "trends", "--industry", "medtech").output
    assert _tp(workspace, "draft").exit_code == 0
    for action in ("approve", "publish"):
        assert _tp(workspace, "papers", action, "medtech", "--by", "Ann").exit_code == 0
    site = workspace / "build" / "site"
    page = lxml.html.parse(str(site / "trends" / trend_id / "index.html")).getroot()
    assert page.xpath("string(//article//h1)").startswith("Federated learning in hospitals")
    assert page.xpath("//article//sup[starts-with(@id, 'fnref:doc-')]"), "the trend's summary, cited"
    assert "Federated learning in hospitals" in (site / "papers" / "medtech" / "feed.xml").read_text("utf-8")

    # The command renames too, and --reset gives the generated name back; a wrong id is an error.
    renamed = _tp(workspace, "rename-trend", trend_id, "AI in radiology", "--by", "Ann")
    assert renamed.exit_code == 0 and "AI in radiology" in renamed.output
    assert "AI in radiology" in _tp(workspace, "trends", "--industry", "medtech").output
    assert old in _tp(workspace, "rename-trend", trend_id, "--reset").output
    unknown = _tp(workspace, "rename-trend", "medtech-9999", "X")
    assert unknown.exit_code != 0 and "no trend 'medtech-9999'" in unknown.output
    assert _tp(workspace, "rename-trend", trend_id, " \x1b ").exit_code != 0  # nothing left of the name
