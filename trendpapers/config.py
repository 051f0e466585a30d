"""The one configuration loader: defaults, then ``trendpapers.toml``, then CLI overrides.

``load_config`` validates everything and raises one ``ConfigError`` listing every problem with
its key path and reason, so an editor fixes the file in one go. The result is a frozen
``Config`` whose sections are the settings records the stages take as arguments.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from ingest.clean import has_controls
from ingest.errors import ConfigError, FetchError
from ingest.fetch import FetchPolicy, check_url
from ingest.netguard import parse_networks
from ingest.records import SourceSpec
from ingest.runner import IngestSettings
from papers.content import PaperSettings
from papers.editions import CADENCES
from papers.mailer import LOOPBACK_HOSTS, SECURITY, MailSettings
from papers.publish import COLOURS, SiteSettings, Workspace
from papers.sitecheck import svg_problems
from summarize.analyze import AnalysisSettings
from summarize.embed import PRECISIONS
from summarize.members import MatchSettings, email_address
from summarize.opportunities import OpportunitySettings
from summarize.records import FIELD, Industry
from trendpapers.scheduler import KNOWN_JOBS, JobSpec, check_when

CONFIG_NAME = "trendpapers.toml"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
_CLASS_PREFIX = re.compile(r"^[A-HY](\d{2}([A-Z](\d{1,4}(/\d{1,6})?)?)?)?$")


@dataclass(frozen=True)
class Config:
    path: Path | None  # the file read; None when built from defaults only
    root: Path  # the workspace directory: relative paths in the file are relative to it
    name: str
    storage_url: str
    industries: tuple[Industry, ...]
    sources: tuple[SourceSpec, ...]
    fetch: FetchPolicy
    ingest: IngestSettings
    schedule: tuple[JobSpec, ...] = ()
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)
    papers: PaperSettings = field(default_factory=PaperSettings)
    site: SiteSettings = field(default_factory=SiteSettings)
    cluster: ClusterSettings = field(default_factory=lambda: ClusterSettings())
    mail: MailSettings | None = None  # [mail]: how digests are sent; None: not configured
    # What is allowed but probably not meant; `check` prints these.
    warnings: tuple[str, ...] = ()

    @property
    def papers_dir(self) -> Path:
        """Where the papers live: ``papers/INDUSTRY/EDITION.md`` in the workspace."""
        return self.root / "papers"

    @property
    def workspace(self) -> Workspace:
        """What a site build reads and writes."""
        mkdocs_file = self.root / "mkdocs.yml"
        return Workspace(
            self.root,
            self.name,
            self.papers_dir,
            self.industries,
            mkdocs_file if mkdocs_file.is_file() else None,
            members_file=self.cluster.members_file,
            show_members=self.cluster.show_members,
        )

    @property
    def templates_dir(self) -> Path | None:
        """The workspace's own templates (``templates/paper.md.j2``), if it has any."""
        folder = self.root / "templates"
        return folder if folder.is_dir() else None


class _Problems:
    """Collects problems (and warnings) with their key paths instead of stopping at the first."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.warnings: list[str] = []

    def add(self, key: str, reason: str) -> None:
        self.items.append(f"{key}: {reason}")

    def warn(self, key: str, reason: str) -> None:
        self.warnings.append(f"{key}: {reason}")

    def table(self, data: Any, key: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.add(key, f"must be a table, not {type(data).__name__}")
            return {}
        for unknown in sorted(set(data) - allowed):
            hint = f" (known keys: {', '.join(sorted(allowed))})"
            self.add(f"{key}.{unknown}" if key else unknown, f"unknown key{hint}")
        return data

    def get(
        self, data: Mapping[str, Any], key: str, path: str, kind: type | tuple[type, ...], default: Any
    ) -> Any:
        if key not in data:
            return default
        value = data[key]
        # bool is an int in Python; a flag written as 1 or a number written as true is a mistake.
        wrong_bool = isinstance(value, bool) != (kind is bool or (isinstance(kind, tuple) and bool in kind))
        if not isinstance(value, kind) or wrong_bool:
            expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            self.add(path, f"must be {expected}, not {type(value).__name__} {value!r}")
            return default
        return value

    def strings(self, data: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
        value = self.get(data, key, path, list, [])
        if not all(isinstance(v, str) for v in value):
            self.add(path, "must be a list of strings")
            return ()
        return tuple(value)


def _check_url(problems: _Problems, path: str, url: str) -> None:
    try:
        check_url(url)  # the fetcher's own rules, so that what passes here can be fetched
    except FetchError as exc:
        problems.add(path, f"{url!r} cannot be fetched: {exc.reason}")


def _number(
    problems: _Problems,
    data: Mapping[str, Any],
    key: str,
    path: str,
    default: float,
    *,
    minimum: float = 0.0,
    integer: bool = False,
) -> Any:
    value = problems.get(data, key, f"{path}.{key}", int if integer else (int, float), default)
    if not math.isfinite(value):
        problems.add(f"{path}.{key}", f"must be a finite number, not {value}")
        return default
    if value < minimum:
        problems.add(f"{path}.{key}", f"must be at least {minimum:g}, not {value}")
        return default
    return value


def _fetch_policy(problems: _Problems, raw: Any) -> FetchPolicy:
    data = problems.table(raw, "fetch", {f.name for f in fields(FetchPolicy)})
    default = FetchPolicy()
    values: dict[str, Any] = {}
    for f in fields(FetchPolicy):
        if f.name not in data:
            continue
        current = getattr(default, f.name)
        if f.name == "user_agent":
            ua = problems.get(data, "user_agent", "fetch.user_agent", str, current)
            if has_controls(ua):
                problems.add("fetch.user_agent", "may not contain line breaks or control characters")
            elif not re.search(r"https?://|@", ua):
                problems.add(
                    "fetch.user_agent", "must name a contact (a URL or an e-mail address) for site owners"
                )
            values["user_agent"] = ua
        elif f.name == "allow_networks":
            cidrs = problems.strings(data, "allow_networks", "fetch.allow_networks")
            try:
                values["allow_networks"] = parse_networks(cidrs)
            except ValueError as exc:
                problems.add("fetch.allow_networks", f"not a network: {exc}")
            else:
                for network in values["allow_networks"]:
                    if network.prefixlen <= 8:
                        problems.warn(
                            "fetch.allow_networks",
                            f"{network} opens a large part of the address space, private networks "
                            "included, to any feed or redirect; allow the few hosts you need",
                        )
        else:
            integer = isinstance(current, int)
            minimum: float = 0
            if f.name in ("concurrency", "host_concurrency", "max_bytes", "max_page_bytes"):
                minimum = 1
            elif f.name in ("connect_timeout", "read_timeout", "deadline"):
                minimum = 0.001
            values[f.name] = _number(
                problems, data, f.name, "fetch", current, minimum=minimum, integer=integer
            )
    return replace(default, **values)


def _ingest_settings(problems: _Problems, raw: Any) -> IngestSettings:
    data = problems.table(raw, "ingest", {f.name for f in fields(IngestSettings)})
    default = IngestSettings()
    values: dict[str, Any] = {}
    for f in fields(IngestSettings):
        if f.name not in data:
            continue
        current = getattr(default, f.name)
        if isinstance(current, bool):
            values[f.name] = problems.get(data, f.name, f"ingest.{f.name}", bool, current)
        elif f.name == "near_duplicate_threshold":
            value = _number(problems, data, f.name, "ingest", current)
            if not 0 < value <= 1:
                problems.add("ingest.near_duplicate_threshold", f"must be in (0, 1], not {value}")
            values[f.name] = value
        else:
            minimum = 1 if f.name == "pause_after_failures" else 0
            values[f.name] = _number(
                problems, data, f.name, "ingest", current, minimum=minimum, integer=isinstance(current, int)
            )
    return replace(default, **values)


def _industries(problems: _Problems, raw: Any) -> tuple[Industry, ...]:
    if not isinstance(raw, list):
        problems.add("industries", "must be an array of tables ([[industries]])")
        return ()
    result: list[Industry] = []
    seen: set[str] = set()
    allowed = {"slug", "name", "description", "keywords", "patent_classes"}
    for n, entry in enumerate(raw):
        path = f"industries[{n}]"
        data = problems.table(entry, path, allowed)
        slug = problems.get(data, "slug", f"{path}.slug", str, "")
        if not _SLUG.match(slug):
            problems.add(
                f"{path}.slug", f"{slug!r} must be lower-case letters, digits and '-' (e.g. 'medtech')"
            )
        elif slug == FIELD:
            problems.add(
                f"{path}.slug",
                f"{slug!r} is reserved for the cluster's own field ([cluster] field); choose another",
            )
        elif slug in seen:
            problems.add(f"{path}.slug", f"duplicate industry slug {slug!r}")
        seen.add(slug)
        name = problems.get(data, "name", f"{path}.name", str, "")
        if not name.strip():
            problems.add(f"{path}.name", "is required")
        elif has_controls(name):
            problems.add(f"{path}.name", "may not contain line breaks or control characters")
        classes = problems.strings(data, "patent_classes", f"{path}.patent_classes")
        for code in classes:
            if not _CLASS_PREFIX.match(code.replace(" ", "").upper()):
                problems.add(
                    f"{path}.patent_classes",
                    f"{code!r} is not a CPC/IPC prefix such as 'A61B' or 'B64C 1/00'",
                )
        keywords = problems.strings(data, "keywords", f"{path}.keywords")
        if not keywords:
            problems.warn(
                f"{path}.keywords",
                "none given: documents are assigned by the description's meaning alone, "
                "which misses many; list the words your sector's news uses",
            )
        result.append(
            Industry(
                slug=slug,
                name=name,
                description=problems.get(data, "description", f"{path}.description", str, ""),
                keywords=keywords,
                patent_classes=tuple(c.replace(" ", "").upper() for c in classes),
            )
        )
    return tuple(result)


def _sources(problems: _Problems, raw: Any, industries: set[str]) -> tuple[SourceSpec, ...]:
    if not isinstance(raw, list):
        problems.add("sources", "must be an array of tables ([[sources]])")
        return ()
    result: list[SourceSpec] = []
    names: set[str] = set()
    allowed = {"name", "url", "kind", "industries", "language"}
    for n, entry in enumerate(raw):
        path = f"sources[{n}]"
        data = problems.table(entry, path, allowed)
        name = problems.get(data, "name", f"{path}.name", str, "").strip()
        if not name:
            problems.add(f"{path}.name", "is required")
        elif has_controls(name):
            problems.add(f"{path}.name", "may not contain line breaks or control characters")
        elif name in names:
            problems.add(f"{path}.name", f"duplicate source name {name!r}")
        names.add(name)
        url = problems.get(data, "url", f"{path}.url", str, "")
        _check_url(problems, f"{path}.url", url)
        kind = problems.get(data, "kind", f"{path}.kind", str, "news")
        if kind not in ("news", "patent"):
            problems.add(f"{path}.kind", f"must be 'news' or 'patent', not {kind!r}")
        hints = problems.strings(data, "industries", f"{path}.industries")
        for slug in hints:
            if slug not in industries:
                problems.add(
                    f"{path}.industries",
                    f"unknown industry slug {slug!r} (configured: {', '.join(sorted(industries)) or 'none'})",
                )
        language = problems.get(data, "language", f"{path}.language", str, None)
        if language is not None and not _LANGUAGE.match(language):
            problems.add(f"{path}.language", f"{language!r} is not a language code such as 'de' or 'en'")
        result.append(SourceSpec(name=name, url=url, kind=kind, industries=hints, language=language))
    return tuple(result)


def _schedule(problems: _Problems, raw: Any) -> tuple[JobSpec, ...]:
    data = problems.table(raw, "schedule", {"timeout", "jobs"})
    timeout = _number(problems, data, "timeout", "schedule", 3600.0, minimum=1)
    jobs = problems.table(data.get("jobs", {}), "schedule.jobs", set(KNOWN_JOBS))
    specs = []
    for name, when in jobs.items():
        if name not in KNOWN_JOBS:
            continue  # reported as an unknown key above
        reason = check_when(when) if isinstance(when, str) else "must be a string"
        if reason:
            problems.add(f"schedule.jobs.{name}", reason)
            continue
        specs.append(JobSpec(name, when, float(timeout)))
    return tuple(specs)


# [analysis] key → (settings section, field, minimum, maximum); the kind follows the default's type.
_ANALYSIS_KEYS: dict[str, tuple[str, str, float, float]] = {
    "max_tokens": ("embed", "max_tokens", 8, 512),
    "threads": ("embed", "threads", 1, 64),
    "batch_size": ("embed", "batch_size", 1, 4096),
    "assign_threshold": ("assign", "threshold", -1, 2),
    "story_threshold": ("stories", "threshold", 0.01, 1),
    "story_days": ("stories", "max_days", 0, 365),
    "window_days": ("trends", "window_days", 7, 3650),
    "trend_threshold": ("trends", "threshold", 0.01, 1),
    "min_trend_documents": ("trends", "min_documents", 1, 1000),
    "summary_words": ("summary", "max_words", 20, 1000),
}


def _analysis(problems: _Problems, raw: Any, root: Path) -> AnalysisSettings:
    data = problems.table(raw, "analysis", {"model", "precision", "as_of", "abstractive", *_ANALYSIS_KEYS})
    settings = AnalysisSettings()
    model = problems.get(data, "model", "analysis.model", str, settings.embed.model)
    if (root / model).is_dir():  # a local folder, relative to the workspace
        model = str((root / model).resolve())
    precision = problems.get(data, "precision", "analysis.precision", str, settings.embed.precision)
    if precision not in PRECISIONS:
        problems.add("analysis.precision", f"must be one of {', '.join(PRECISIONS)}, not {precision!r}")
        precision = settings.embed.precision
    as_of = problems.get(data, "as_of", "analysis.as_of", date, None)  # TOML has dates: as_of = 2026-11-20
    if isinstance(as_of, datetime):  # a TOML date-time is a date too, but the window ends on a day
        problems.add("analysis.as_of", f"must be a date (YYYY-MM-DD) without a time, not {as_of}")
        as_of = None
    abstractive = problems.get(data, "abstractive", "analysis.abstractive", str, None) or None
    if abstractive and (root / abstractive).exists():  # a local folder or .gguf file
        abstractive = str((root / abstractive).resolve())
    sections: dict[str, dict[str, Any]] = {"embed": {"model": model, "precision": precision}}
    for key, (section, name, low, high) in _ANALYSIS_KEYS.items():
        if key not in data:
            continue
        current = getattr(getattr(settings, section), name)
        value = _number(
            problems, data, key, "analysis", current, minimum=low, integer=isinstance(current, int)
        )
        if value > high:
            problems.add(f"analysis.{key}", f"must be at most {high:g}, not {value}")
        sections.setdefault(section, {})[name] = value
    return replace(
        settings,
        as_of=as_of,
        abstractive=abstractive,
        **{k: replace(getattr(settings, k), **v) for k, v in sections.items()},
    )


def _papers(problems: _Problems, raw: Any) -> PaperSettings:
    data = problems.table(raw, "papers", {f.name for f in fields(PaperSettings)})
    default = PaperSettings()
    cadence = problems.get(data, "cadence", "papers.cadence", str, default.cadence)
    if cadence not in CADENCES:
        problems.add("papers.cadence", f"must be one of {', '.join(CADENCES)}, not {cadence!r}")
        cadence = default.cadence
    numbers = {
        name: _number(problems, data, name, "papers", getattr(default, name), minimum=1, integer=True)
        for name in ("max_trends", "evidence", "patents")
        if name in data
    }
    return replace(default, cadence=cadence, **numbers)


# Image types a logo may have, by their first bytes; SVG is checked as the site checks it (an SVG
# opened on its own runs its scripts on the site's origin).
_IMAGES = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
}


def _logo(problems: _Problems, root: Path, value: str) -> Path | None:
    """The logo file: inside the workspace (it is published) and an image of a known type."""
    path = (root / value).resolve()
    if not path.is_relative_to(root.resolve()):
        problems.add("site.logo", f"{value!r} is outside the workspace {root}; put the logo in the workspace")
        return None
    if not path.is_file():
        problems.add("site.logo", f"no such file: {path}")
        return None
    if path.suffix.lower() == ".svg":
        svg = svg_problems(path.read_bytes(), value)
        for problem in svg:
            problems.add("site.logo", problem)
        return None if svg else path
    if path.suffix.lower() not in _IMAGES:
        problems.add("site.logo", f"{value!r} must be an image: {', '.join(['.svg', *_IMAGES])}")
        return None
    with path.open("rb") as f:
        head = f.read(12)
    if not head.startswith(_IMAGES[path.suffix.lower()]) or (
        path.suffix.lower() == ".webp" and head[8:12] != b"WEBP"
    ):
        problems.add("site.logo", f"{value!r} is not a {path.suffix.lower()[1:].upper()} image")
        return None
    return path


def _site(problems: _Problems, raw: Any, root: Path) -> SiteSettings:
    data = problems.table(raw, "site", {"language", "primary", "accent", "logo", "url"})
    default = SiteSettings()
    language = problems.get(data, "language", "site.language", str, default.language)
    if not _LANGUAGE.match(language):
        problems.add("site.language", f"{language!r} is not a language code such as 'de' or 'en'")
        language = default.language
    colours = {}
    for key in ("primary", "accent"):
        colour = problems.get(data, key, f"site.{key}", str, getattr(default, key))
        if colour not in COLOURS:
            problems.add(f"site.{key}", f"{colour!r} is not a Material colour ({', '.join(COLOURS)})")
            colour = getattr(default, key)
        colours[key] = colour
    logo = None
    if "logo" in data:
        logo = _logo(problems, root, problems.get(data, "logo", "site.logo", str, ""))
    url = problems.get(data, "url", "site.url", str, None)
    if url is not None and not re.match(r"^https?://[^/\s]+(/\S*)?$", url):
        problems.add("site.url", f"{url!r} must be an http(s) URL such as 'https://cluster.example/papers/'")
        url = None
    return SiteSettings(language=language, logo=logo, url=url, **colours)


def _storage_url(problems: _Problems, raw: Any, root: Path) -> str:
    data = problems.table(raw, "storage", {"url"})
    url = problems.get(data, "url", "storage.url", str, "sqlite:///trendpapers.db")
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        problems.add("storage.url", f"not a SQLAlchemy database URL: {exc}")
        return url
    if parsed.drivername.startswith("sqlite") and parsed.database and parsed.database != ":memory:":
        db = Path(parsed.database)
        if not db.is_absolute():  # relative to the workspace, not to wherever the command runs
            url = parsed.set(database=str(root / db)).render_as_string(hide_password=False)
    return url


def parse_config(data: Mapping[str, Any], *, path: Path | None = None, root: Path | None = None) -> Config:
    """Validate a parsed TOML document. Raises ``ConfigError`` with every problem found."""
    root = root or (path.parent if path else Path.cwd())
    problems = _Problems()
    sections = {
        "workspace",
        "storage",
        "fetch",
        "ingest",
        "industries",
        "sources",
        "schedule",
        "analysis",
        "papers",
        "site",
        *CLUSTER_SECTIONS,
    }
    top = problems.table(dict(data), "", sections)
    workspace = problems.table(top.get("workspace", {}), "workspace", {"name"})
    name = problems.get(workspace, "name", "workspace.name", str, "Trendpapers")
    industries = _industries(problems, top.get("industries", []))
    cluster = _cluster(problems, top.get("cluster", {}), root)
    served = {i.slug for i in industries} | ({FIELD} if cluster.field else set())
    sources = _sources(problems, top.get("sources", []), served)
    config = Config(
        path=path,
        root=root,
        name=name,
        storage_url=_storage_url(problems, top.get("storage", {}), root),
        industries=industries,
        sources=sources,
        fetch=_fetch_policy(problems, top.get("fetch", {})),
        ingest=_ingest_settings(problems, top.get("ingest", {})),
        schedule=_schedule(problems, top.get("schedule", {})),
        # The analysis finds the opportunities: with the cluster's settings for them.
        analysis=replace(
            _analysis(problems, top.get("analysis", {}), root), opportunities=cluster.opportunities
        ),
        papers=_papers(problems, top.get("papers", {})),
        site=_site(problems, top.get("site", {}), root),
        cluster=cluster,
        mail=_mail(problems, top["mail"], root) if "mail" in top else None,
    )
    if not industries or not sources:
        problems.warn(
            "industries" if not industries else "sources",
            "none configured: nothing will be collected or written (see the commented examples "
            "of `trendpapers init`)",
        )
    mkdocs_yml = root / "mkdocs.yml"
    if mkdocs_yml.is_file() and re.search(
        r"(?m)^site_dir:\s*['\"]?build/site/?['\"]?\s*(#.*)?$", _text_of(mkdocs_yml)
    ):
        problems.warn(
            f"{mkdocs_yml}: site_dir",
            "is build/site, the live site: a plain `mkdocs build` would empty it; set site_dir: build/mkdocs",
        )
    config = replace(config, warnings=tuple(problems.warnings))
    if problems.items:
        raise ConfigError(problems.items, str(path) if path else None)
    return config


def _text_of(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def load_config(path: Path) -> Config:
    """Read and validate the configuration file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            ["no configuration file (run `trendpapers init DIR` to create a workspace)"], str(path)
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"cannot read the file: {exc}"], str(path)) from exc
    if not text.strip():
        raise ConfigError(
            ["the file is empty (run `trendpapers init DIR` for a commented example)"], str(path)
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"not valid TOML: {exc}"], str(path)) from exc
    return parse_config(data, path=path.resolve(), root=path.resolve().parent)


# --- [cluster]: the cluster's own field and its members (issue 17) ----------------------------
# Kept in one block, apart from the sections above, so that it moves into a settings schema whole.

CLUSTER_SECTIONS = ("cluster", "mail")


@dataclass(frozen=True)
class ClusterSettings:
    """What the cluster's members do (its field, scored like an industry under the slug ``FIELD``)."""

    field: Industry | None = None  # None: no field configured, no field opportunities
    opportunities: OpportunitySettings = dataclasses.field(default_factory=OpportunitySettings)
    members_file: Path | None = None  # the cluster's member file (TOML or CSV); never published
    show_members: bool = False  # member matches on the public site too (default: for the editors only)
    matching: MatchSettings = dataclasses.field(default_factory=MatchSettings)


_CLUSTER_KEYS = {
    "field",
    "description",
    "keywords",
    "patent_classes",
    "touch",
    "members",
    "show_members",
    "match_threshold",
}
_PUBLISHED = ("site", "papers", "build")  # workspace folders whose files reach the site
_FIELD_KEYS = ("description", "keywords", "patent_classes")


def _cluster(problems: _Problems, raw: Any, root: Path) -> ClusterSettings:
    """``[cluster]``: every problem reported with its key, like the sections above."""
    data = problems.table(raw, "cluster", _CLUSTER_KEYS)
    text = problems.get(data, "field", "cluster.field", str, "").strip()
    own_field = None
    if "field" in data and not text:
        problems.add(
            "cluster.field",
            "is empty; say what the members do, e.g. 'Virtual engineering: simulation, PLM, CAE'",
        )
    elif has_controls(text):
        problems.add("cluster.field", "may not contain line breaks or control characters")
    elif len(text) > 300:
        problems.add(
            "cluster.field", f"has {len(text)} characters; at most 300 (put the rest in description)"
        )
    elif text:
        # "virtual engineering: simulation, PLM, CAE": the name is what comes before the colon.
        name = text.split(":", 1)[0].strip()
        description = problems.get(data, "description", "cluster.description", str, "").strip() or text
        keywords = problems.strings(data, "keywords", "cluster.keywords")
        if not keywords:
            problems.warn(
                "cluster.keywords",
                "none given: documents are scored for the field by the description's meaning alone; "
                "list the words your members' news uses",
            )
        classes = problems.strings(data, "patent_classes", "cluster.patent_classes")
        for code in classes:
            if not _CLASS_PREFIX.match(code.replace(" ", "").upper()):
                problems.add(
                    "cluster.patent_classes",
                    f"{code!r} is not a CPC/IPC prefix such as 'G06F30' or 'G06T 17/00'",
                )
        own_field = Industry(
            slug=FIELD,
            name=name[:1].upper() + name[1:],
            description=description,
            keywords=keywords,
            patent_classes=tuple(c.replace(" ", "").upper() for c in classes),
        )
    if own_field is None and "field" not in data:  # (a field given but invalid is reported above)
        for key in _FIELD_KEYS:
            if key in data:
                problems.add(f"cluster.{key}", "describes the field, but cluster.field is not set")
    defaults = OpportunitySettings()
    touch = _number(problems, data, "touch", "cluster", defaults.touch, minimum=0.0)
    if touch > 2:
        problems.add("cluster.touch", f"must be at most 2, not {touch}")
        touch = defaults.touch
    matching = MatchSettings()
    threshold = _number(problems, data, "match_threshold", "cluster", matching.threshold, minimum=0.0)
    if threshold > 2:
        problems.add("cluster.match_threshold", f"must be at most 2, not {threshold}")
        threshold = matching.threshold
    return ClusterSettings(
        field=own_field,
        opportunities=replace(defaults, touch=touch),
        members_file=_members_file(problems, data, root),
        show_members=problems.get(data, "show_members", "cluster.show_members", bool, False),
        matching=replace(matching, threshold=threshold),
    )


def _members_file(problems: _Problems, data: Mapping[str, Any], root: Path) -> Path | None:
    """``[cluster] members``: a TOML or CSV file in the workspace, outside what gets published."""
    value = problems.get(data, "members", "cluster.members", str, "").strip()
    if not value:
        if "members" in data:
            problems.add("cluster.members", "is empty; name the member file, e.g. 'members.toml'")
        return None
    path = (root / value).resolve()
    if path.suffix.lower() not in (".toml", ".csv"):
        problems.add("cluster.members", f"{value!r} must be a .toml or .csv file")
        return None
    for folder in _PUBLISHED:
        if path.is_relative_to((root / folder).resolve()):
            problems.add(
                "cluster.members",
                f"{value!r} is inside {folder}/, whose files can reach the public site; keep the "
                "member file elsewhere in the workspace (e.g. members.toml beside trendpapers.toml)",
            )
            return None
    if not path.is_file():
        problems.add("cluster.members", f"no such file: {path}")
        return None
    return path


# --- [mail]: sending digests (issue 17) -----------------------------------------------------------

_MAIL_KEYS = {"host", "port", "security", "user", "password_env", "from", "unsubscribe", "ca_file", "timeout"}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _mail(problems: _Problems, raw: Any, root: Path) -> MailSettings | None:
    """``[mail]``: the SMTP server digests go through. The password is never in the file: ``password_env``
    names the environment variable that holds it."""
    data = problems.table(raw, "mail", _MAIL_KEYS | {"password"})
    if "password" in data:
        problems.add(
            "mail.password",
            "a password is never read from the file: put it in an environment variable and name that "
            'variable in password_env (e.g. password_env = "TRENDPAPERS_SMTP_PASSWORD")',
        )
    host = problems.get(data, "host", "mail.host", str, "").strip()
    if not host:
        problems.add("mail.host", "is required (the SMTP server, e.g. 'smtp.cluster.example')")
    elif has_controls(host) or " " in host:
        problems.add("mail.host", f"{host!r} is not a host name")
    security = problems.get(data, "security", "mail.security", str, "starttls")
    if security not in SECURITY:
        problems.add("mail.security", f"must be one of {', '.join(SECURITY)}, not {security!r}")
        security = "starttls"
    port = _number(problems, data, "port", "mail", 465 if security == "tls" else 587, minimum=1, integer=True)
    if port > 65535:
        problems.add("mail.port", f"must be at most 65535, not {port}")
    sender = problems.get(data, "from", "mail.from", str, "").strip()
    _name, address = parseaddr(sender)
    if not sender:
        problems.add("mail.from", "is required (the sender, e.g. 'Cluster papers <papers@cluster.example>')")
    elif has_controls(sender) or not email_address(address):
        problems.add(
            "mail.from", f"{sender!r} is not an address such as 'Cluster papers <papers@cluster.example>'"
        )
    user = problems.get(data, "user", "mail.user", str, "").strip() or None
    password_env = problems.get(data, "password_env", "mail.password_env", str, "").strip() or None
    if user and not password_env:
        problems.add(
            "mail.password_env", "is required with user: the environment variable holding the password"
        )
    if password_env and not _ENV_NAME.match(password_env):
        problems.add("mail.password_env", f"{password_env!r} is not an environment variable name")
    elif password_env and password_env not in os.environ:
        problems.warn("mail.password_env", f"the environment variable {password_env} is not set here")
    if security == "none" and host and host not in LOOPBACK_HOSTS:
        problems.add(
            "mail.security",
            f"'none' sends mail (and any password) in clear text; it is allowed only to a relay on this "
            f"machine ({', '.join(LOOPBACK_HOSTS)}), not {host!r}: use starttls or tls",
        )
    unsubscribe = problems.get(data, "unsubscribe", "mail.unsubscribe", str, "").strip() or None
    if unsubscribe and not re.match(r"^(mailto:[^\s<>@]+@[^\s<>]+|https://[^\s<>]+)$", unsubscribe):
        problems.add(
            "mail.unsubscribe",
            f"{unsubscribe!r} must be a mailto: or https: address, e.g. 'mailto:office@cluster.example'",
        )
    ca_file = None
    if "ca_file" in data:
        value = problems.get(data, "ca_file", "mail.ca_file", str, "")
        ca_file = (root / value).resolve()
        if not ca_file.is_file():
            problems.add("mail.ca_file", f"no such file: {ca_file}")
            ca_file = None
    timeout = _number(problems, data, "timeout", "mail", 30.0, minimum=0.1)
    return MailSettings(
        host=host,
        sender=sender,
        port=int(port),
        security=security,
        user=user,
        password_env=password_env,
        unsubscribe=unsubscribe,
        ca_file=ca_file,
        timeout=float(timeout),
    )
