"""The one configuration loader: defaults, then ``trendpapers.toml``, then CLI overrides.

``SETTINGS`` declares every setting the file may hold: its key, the record field it fills (whose
default it takes; see ``schema``), its limits and a line of explanation. ``load_config`` checks
the file against it and raises one ``ConfigError`` listing every problem with its key path and
reason, so an editor fixes the file in one go. The result is a frozen ``Config`` whose sections
are the settings records the stages take as arguments; the CLI applies its flags to them.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from email.utils import parseaddr
from pathlib import Path
from typing import Any, get_args

from ingest.clean import has_controls
from ingest.errors import ConfigError, FetchError
from ingest.fetch import FetchPolicy, check_url
from ingest.netguard import IPNetwork, parse_networks
from ingest.records import IngestSettings, SourceKind, SourceSpec
from papers.editions import CADENCES, PaperSettings
from papers.i18n import LANGUAGES
from papers.mailer import LOOPBACK_HOSTS, SECURITY, MailSettings
from papers.sitecheck import svg_problems
from papers.sitefiles import COLOURS, SiteSettings, Workspace
from summarize.assign import AssignSettings
from summarize.embed import PRECISIONS, EmbedSettings, choose_model
from summarize.members import MatchSettings, email_address
from summarize.opportunities import OpportunitySettings
from summarize.records import FIELD, Industry
from summarize.settings import AnalysisSettings, ClusterSettings
from summarize.stories import StorySettings
from summarize.summarizer import SummarySettings
from summarize.trends import TrendSettings
from trendpapers.scheduler import KNOWN_JOBS, JobSpec, check_when
from trendpapers.schema import At, Problems, Setting, Values, build, entry_label, read_array, read_table

CONFIG_NAME = "trendpapers.toml"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
_CLASS_PREFIX = re.compile(r"^[A-HY](\d{2}([A-Z](\d{1,4}(/\d{1,6})?)?)?)?$")


@dataclass(frozen=True)
class Config:
    path: Path | None  # the file read; None when built from defaults only
    root: Path  # the workspace directory: relative paths in the file are relative to it
    name: str = "Trendpapers"
    # Of the papers, the site's pages and the CLI's paper output; the loader passes it on to the
    # papers' and the site's settings and to the summaries (their own language is quoted first).
    language: str = "en"
    # The default as a file would write it; the loader makes a relative SQLite path the workspace's.
    storage_url: str = "sqlite:///trendpapers.db"
    industries: tuple[Industry, ...] = ()
    sources: tuple[SourceSpec, ...] = ()
    fetch: FetchPolicy = field(default_factory=FetchPolicy)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    schedule: tuple[JobSpec, ...] = ()
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)
    papers: PaperSettings = field(default_factory=PaperSettings)
    site: SiteSettings = field(default_factory=SiteSettings)
    cluster: ClusterSettings = field(default_factory=ClusterSettings)
    mail: MailSettings | None = None  # [mail]: how digests are sent; None: the file has no [mail]
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


# The rules of settings that a type and a range do not capture.


def _one_line(value: str, at: At) -> str:
    value = value.strip()
    if not value:
        at.problem("is required")
    elif has_controls(value):
        at.problem("may not contain line breaks or control characters")
    return value


def _user_agent(value: str, at: At) -> str:
    if has_controls(value):
        at.problem("may not contain line breaks or control characters")
    elif not re.search(r"https?://|@", value):
        at.problem("must name a contact (a URL or an e-mail address) for site owners")
    return value


def _networks(value: tuple[str, ...], at: At) -> tuple[IPNetwork, ...]:
    try:
        networks = parse_networks(value)
    except ValueError as exc:
        at.problem(f"not a network: {exc}")
        return ()
    for network in networks:
        if network.prefixlen <= 8:
            at.warn(
                f"{network} opens a large part of the address space, private networks "
                "included, to any feed or redirect; allow the few hosts you need"
            )
    return networks


def _fetchable(url: str, at: At) -> str:
    try:
        check_url(url)  # the fetcher's own rules, so that what passes here can be fetched
    except FetchError as exc:
        at.problem(f"{url!r} cannot be fetched: {exc.reason}")
    return url


def _slug(slug: str, at: At) -> str:
    if not _SLUG.match(slug):
        at.problem(f"{slug!r} must be lower-case letters, digits and '-' (e.g. 'medtech')")
    elif slug == FIELD:
        at.problem(f"{slug!r} is reserved for the cluster's own field ([cluster] field); choose another")
    return slug


def _language(code: str, at: At) -> str:
    if not _LANGUAGE.match(code):
        at.problem(f"{code!r} is not a language code such as 'de' or 'en'")
    return code


def _patent_classes(codes: tuple[str, ...], at: At) -> tuple[str, ...]:
    normal = tuple(code.replace(" ", "").upper() for code in codes)
    for code, prefix in zip(codes, normal, strict=True):
        if not _CLASS_PREFIX.match(prefix):
            at.problem(f"{code!r} is not a CPC/IPC prefix such as 'A61B' or 'B64C 1/00'")
    return normal


def _local_model(name: str, at: At) -> str:
    if (at.root / name).is_dir():  # a local folder, relative to the workspace
        return str((at.root / name).resolve())
    return name


def _abstractive(name: str, at: At) -> str | None:
    if name and (at.root / name).exists():  # a local folder or .gguf file
        return str((at.root / name).resolve())
    return name or None


def future_day(day: date) -> str | None:
    """What is wrong with an as-of ``day`` after today (a mistyped year leaves every window empty)."""
    today = datetime.now(UTC).date()
    return f"{day} is after today ({today}, UTC): a window cannot end in the future" if day > today else None


def _past_day(day: date, at: At) -> date:
    if problem := future_day(day):
        at.problem(problem)
    return day


def _site_url(url: str, at: At) -> str:
    if not re.match(r"^https?://[^/\s]+(/\S*)?$", url):
        at.problem(f"{url!r} must be an http(s) URL such as 'https://cluster.example/papers/'")
    return url


# Image types a logo may have, by their first bytes; SVG is checked as the site checks it (an SVG
# opened on its own runs its scripts on the site's origin).
_IMAGES = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
}


def _logo(value: str, at: At) -> Path | None:
    """The logo file: inside the workspace (it is published) and an image of a known type."""
    path = (at.root / value).resolve()
    if not path.is_relative_to(at.root.resolve()):
        at.problem(f"{value!r} is outside the workspace {at.root}; put the logo in the workspace")
        return None
    if not path.is_file():
        at.problem(f"no such file: {path}")
        return None
    suffix = path.suffix.lower()
    if suffix == ".svg":
        svg = svg_problems(path.read_bytes(), value)
        for problem in svg:
            at.problem(problem)
        return None if svg else path
    if suffix not in _IMAGES:
        at.problem(f"{value!r} must be an image: {', '.join(['.svg', *_IMAGES])}")
        return None
    with path.open("rb") as f:
        head = f.read(12)
    if not head.startswith(_IMAGES[suffix]) or (suffix == ".webp" and head[8:12] != b"WEBP"):
        at.problem(f"{value!r} is not a {suffix[1:].upper()} image")
        return None
    return path


def _storage_url(url: str, at: At) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        at.problem(f"not a SQLAlchemy database URL: {exc}")
        return url
    if parsed.drivername.startswith("sqlite") and parsed.database and parsed.database != ":memory:":
        db = Path(parsed.database)
        if not db.is_absolute():  # relative to the workspace, not to wherever the command runs
            url = parsed.set(database=str(at.root / db)).render_as_string(hide_password=False)
    return url


def _when(text: str, at: At) -> str:
    reason = check_when(text)
    if reason:
        at.problem(reason)
    return text


def _field_text(text: str, at: At) -> str:
    text = text.strip()
    if not text:
        at.problem("is empty; say what the members do, e.g. 'Virtual engineering: simulation, PLM, CAE'")
    elif has_controls(text):
        at.problem("may not contain line breaks or control characters")
    elif len(text) > 300:
        at.problem(f"has {len(text)} characters; at most 300 (put the rest in description)")
    return text


_PUBLISHED = ("site", "papers", "build")  # workspace folders whose files reach the site


def _members_file(value: str, at: At) -> Path | None:
    """The member file: a TOML or CSV file in the workspace, outside what gets published."""
    if not value.strip():
        at.problem("is empty; name the member file, e.g. 'members.toml'")
        return None
    path = (at.root / value.strip()).resolve()
    if path.suffix.lower() not in (".toml", ".csv"):
        at.problem(f"{value!r} must be a .toml or .csv file")
        return None
    for folder in _PUBLISHED:
        if path.is_relative_to((at.root / folder).resolve()):
            at.problem(
                f"{value!r} is inside {folder}/, whose files can reach the public site; keep the "
                "member file elsewhere in the workspace (e.g. members.toml beside trendpapers.toml)"
            )
            return None
    if not path.is_file():
        at.problem(f"no such file: {path}")
        return None
    return path


def _host(host: str, at: At) -> str:
    host = host.strip()
    if not host:
        at.problem("is required (the SMTP server, e.g. 'smtp.cluster.example')")
    elif has_controls(host) or " " in host:
        at.problem(f"{host!r} is not a host name")
    return host


def _sender(sender: str, at: At) -> str:
    sender = sender.strip()
    if not sender:
        at.problem("is required (the sender, e.g. 'Cluster papers <papers@cluster.example>')")
    elif has_controls(sender) or not email_address(parseaddr(sender)[1]):
        at.problem(f"{sender!r} is not an address such as 'Cluster papers <papers@cluster.example>'")
    return sender


def _optional(value: str, at: At) -> str | None:
    """Text that may be left empty (then: not set)."""
    value = value.strip()
    if has_controls(value):
        at.problem("may not contain line breaks or control characters")
    return value or None


_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _password_env(name: str, at: At) -> str | None:
    name = name.strip()
    if name and not _ENV_NAME.match(name):
        at.problem(f"{name!r} is not an environment variable name")
    elif name and name not in os.environ:
        at.warn(f"the environment variable {name} is not set here")
    return name or None


def _unsubscribe(target: str, at: At) -> str | None:
    target = target.strip()
    if target and not re.match(r"^(mailto:[^\s<>@]+@[^\s<>]+|https://[^\s<>]+)$", target):
        at.problem(f"{target!r} must be a mailto: or https: address, e.g. 'mailto:office@cluster.example'")
    return target or None


def _ca_file(value: str, at: At) -> Path | None:
    path = (at.root / value).resolve()
    if not path.is_file():
        at.problem(f"no such file: {path}")
        return None
    return path


# Every setting of trendpapers.toml, in the template's order: key, the record its value fills (the
# field of the same name unless ``field`` says otherwise), limits, and the help that the template
# shows beside the key. A test holds the template to this table: keys, defaults and help.
# Laid out by hand: a table reads best with one setting per row.
# fmt: off
SETTINGS: tuple[Setting, ...] = (
    Setting("workspace.name", Config, "the cluster's name, as the site and the papers show it"),
    Setting("workspace.language", Config, "of the papers, the site and the CLI's paper output",
            choices=LANGUAGES),
    Setting("storage.url", Config, "Any SQLAlchemy URL. The default is a SQLite file in this workspace",
            field="storage_url", rule=_storage_url, rule_on_default=True),
    # [fetch]
    Setting("fetch.user_agent", FetchPolicy, rule=_user_agent,
            help="Site owners see this in their logs: name a contact URL or e-mail address."),
    Setting("fetch.connect_timeout", FetchPolicy, "seconds to open a connection", low=0.001),
    Setting("fetch.deadline", FetchPolicy, "seconds for one whole fetch: redirects and the full body",
            low=0.001),
    Setting("fetch.max_bytes", FetchPolicy, "decompressed size cap for a feed", low=1),
    Setting("fetch.max_page_bytes", FetchPolicy, "decompressed size cap for an article page", low=1),
    Setting("fetch.host_gap", FetchPolicy, "seconds between two requests to the same host", low=0),
    Setting("fetch.host_concurrency", FetchPolicy, "requests in flight to one host", low=1),
    Setting("fetch.concurrency", FetchPolicy, "requests in flight over all hosts", low=1),
    Setting("fetch.allow_networks", FetchPolicy, "Private, loopback and link-local addresses are refused.",
            kind=list, rule=_networks),
    Setting("fetch.read_timeout", FetchPolicy, "longest silence, in seconds, while reading", low=0.001),
    Setting("fetch.max_redirects", FetchPolicy, "redirects followed per fetch", low=0),
    Setting("fetch.max_retries", FetchPolicy, "retries of a failed request within a run", low=0),
    Setting("fetch.backoff_base", FetchPolicy, "seconds before the first retry; doubles per retry", low=0),
    Setting("fetch.retry_after_max_wait", FetchPolicy, low=0,
            help="seconds of a Retry-After waited out within a run; a longer one gives up for now"),
    Setting("fetch.retry_after_cap", FetchPolicy, "seconds; a longer Retry-After is not believed", low=0),
    # [ingest]
    Setting("ingest.fetch_articles", IngestSettings, "fetch each new item's page and extract its text"),
    Setting("ingest.respect_robots", IngestSettings, "obey robots.txt for article pages"),
    Setting("ingest.workers", IngestSettings, low=0,
            help="processes for parsing and extraction (one per CPU core; 0: in the command's own)"),
    Setting("ingest.near_duplicate_threshold", IngestSettings, above=0, high=1,
            help="share of word sequences two texts have in common to count as one"),
    Setting("ingest.max_new_items", IngestSettings, low=0,
            help="new entries per source per run, newest first; the rest wait for later runs"),
    Setting("ingest.pause_after_failures", IngestSettings, low=1,
            help="pause a source after this many failed fetches in a row"),
    Setting("ingest.failure_backoff", IngestSettings, low=0,
            help="seconds before a failed source is tried again; doubles per failure"),
    Setting("ingest.max_failure_backoff", IngestSettings, low=0,
            help="seconds: the longest wait before a failed source is tried again"),
    # [analysis]
    Setting("analysis.model", AnalysisSettings, rule=_local_model,
            help='"auto": all-MiniLM-L6-v2 where the workspace and every source are English, else the '
                 'multilingual model (both bundled); or "english", "multilingual", a local model folder'),
    Setting("analysis.max_tokens", EmbedSettings, low=8, high=512,
            help="tokens of title + lead embedded per document (64 kept story quality)"),
    Setting("analysis.threads", EmbedSettings, low=1, high=64,
            help="torch threads (one per process was fastest on a busy machine)"),
    Setting("analysis.batch_size", EmbedSettings, "documents embedded at once", low=1, high=4096),
    Setting("analysis.precision", EmbedSettings, choices=PRECISIONS,
            help='auto: "bfloat16" where the CPU has native bf16 (2x faster), else "float32"'),
    Setting("analysis.assign_threshold", AssignSettings, field="threshold", low=-1, high=2,
            help="industry score at which a document serves an industry"),
    Setting("analysis.story_threshold", StorySettings, field="threshold", low=0.01, high=1,
            help="mean similarity (embedding, words, names) for documents to report the same event"),
    Setting("analysis.story_days", StorySettings, field="max_days", low=0, high=365,
            help="documents further apart never share a story (closer ones: time apart lowers similarity)"),
    Setting("analysis.window_days", TrendSettings, low=7, high=3650,
            help="trend window, compared with the window before it"),
    Setting("analysis.trend_threshold", TrendSettings, field="threshold", low=0.01, high=1,
            help="mean similarity of two stories' documents for them to form one trend (theme)"),
    Setting("analysis.min_trend_documents", TrendSettings, field="min_documents", low=1, high=1000,
            help="fewer documents are no trend"),
    Setting("analysis.summary_words", SummarySettings, field="max_words", low=20, high=1000,
            help="words of a trend's summary, at most"),
    Setting("analysis.as_of", AnalysisSettings, "fixed last day of the trend window (default: today)",
            kind=date, rule=_past_day),
    Setting("analysis.abstractive", AnalysisSettings, kind=str, rule=_abstractive,
            help="an instruct model that may rewrite summary sentences, each checked against its source"),
    # [papers]
    Setting("papers.cadence", PaperSettings, choices=CADENCES,
            help='editions are named 2026-Q4 ("quarterly") or 2026-11 ("monthly")'),
    Setting("papers.max_trends", PaperSettings, low=1,
            help="key trends per paper (the largest); weak signals come on top"),
    Setting("papers.evidence", PaperSettings, "sources listed per trend", low=1),
    Setting("papers.patents", PaperSettings, "related patents listed per trend", low=1),
    # [site]
    Setting("site.language", SiteSettings, rule=_language,
            help="of the theme's texts (search, navigation); default: the workspace's language"),
    Setting("site.primary", SiteSettings, "a Material colour name", choices=COLOURS),
    Setting("site.accent", SiteSettings, "a Material colour name", choices=COLOURS),
    Setting("site.logo", SiteSettings, "an image in this workspace", kind=str, rule=_logo),
    Setting("site.url", SiteSettings, "where the site is served: absolute links in the feed",
            kind=str, rule=_site_url),
    # [schedule]; its free-form [schedule.jobs] table (a job's name, and when) is read with ``_JOB``
    Setting("schedule.timeout", JobSpec, "seconds a job may take before it is stopped", low=1),
    # [cluster]: the cluster's own field, scored like an industry under the reserved slug "field"
    Setting("cluster.field", ClusterSettings, field="field_text", kind=str, rule=_field_text,
            help="what the cluster's members do; documents are scored for it as for an industry"),
    Setting("cluster.description", ClusterSettings, "what the field covers (default: the field's text)",
            kind=str, rule=_optional),
    Setting("cluster.keywords", ClusterSettings, "words the news of the members' field uses", kind=list),
    Setting("cluster.patent_classes", ClusterSettings, "CPC/IPC prefixes of the field's patents",
            kind=list, rule=_patent_classes),
    Setting("cluster.touch", OpportunitySettings, low=0, high=2,
            help="a score at least this high for another side counts as touching it"),
    Setting("cluster.members", ClusterSettings, field="members_file", kind=str, rule=_members_file,
            help="the member file (TOML or CSV) beside this one; never published"),
    Setting("cluster.show_members", ClusterSettings,
            "member matches on the public site too (default: for the editors only)"),
    Setting("cluster.match_threshold", MatchSettings, field="threshold", low=0, high=2,
            help="a member matches a trend or opportunity at this score or more"),
    # [mail]: only when the file has the section (digests need it)
    Setting("mail.host", MailSettings, "the SMTP server", kind=str, rule=_host),
    Setting("mail.port", MailSettings, "default: 587, or 465 with tls", kind=int, low=1, high=65535),
    Setting("mail.security", MailSettings, choices=SECURITY,
            help='"starttls", "tls" (from the start) or "none" (only to a relay on this machine)'),
    Setting("mail.user", MailSettings, "the SMTP login, if the server wants one", kind=str, rule=_optional),
    Setting("mail.password_env", MailSettings, kind=str, rule=_password_env,
            help="the environment variable holding the password (never written in this file)"),
    Setting("mail.from", MailSettings, "the sender: a name and an address", field="sender", kind=str,
            rule=_sender),
    Setting("mail.unsubscribe", MailSettings, kind=str, rule=_unsubscribe,
            help="the List-Unsubscribe target, mailto: or https: (default: a mail to the sender)"),
    Setting("mail.ca_file", MailSettings, "further CA certificates (PEM) for a relay with a private CA",
            kind=str, rule=_ca_file),
    Setting("mail.timeout", MailSettings, "seconds per SMTP command", low=0.1),
    # [[industries]]
    Setting("industries.slug", Industry, kind=str, rule=_slug,
            help="lower-case letters, digits and '-': the industry's folder and page names"),
    Setting("industries.name", Industry, "as papers and the site show it", kind=str, rule=_one_line),
    Setting("industries.description", Industry,
            "what the industry covers: documents are assigned by its meaning and the keywords"),
    Setting("industries.keywords", Industry, "words the sector's news uses", kind=list),
    Setting("industries.patent_classes", Industry, "CPC/IPC prefixes that mark a patent as relevant",
            kind=list, rule=_patent_classes),
    # [[sources]]
    Setting("sources.name", SourceSpec, "unique; reports and `ingest --source` use it",
            kind=str, rule=_one_line),
    Setting("sources.url", SourceSpec, "the feed's http(s) address", kind=str, rule=_fetchable),
    Setting("sources.kind", SourceSpec, "news or patent", choices=get_args(SourceKind)),
    Setting("sources.industries", SourceSpec, "hints: slugs of the industries this source serves",
            kind=list),
    Setting("sources.language", SourceSpec, "of its texts: a hint where a page does not declare its own",
            kind=str, rule=_language),
)
# fmt: on
_JOB = Setting("schedule.jobs.NAME", JobSpec, "when the job runs", field="when", kind=str, rule=_when)
_ARRAYS = ("industries", "sources")  # arrays of tables; the other sections are tables
_OPTIONAL = ("mail",)  # sections read only when the file has them: their records have required fields
_FIELD_KEYS = ("description", "keywords", "patent_classes")  # describe the field: need cluster.field


def _section(name: str) -> list[Setting]:
    return [s for s in SETTINGS if s.section == name]


def _industries(problems: Problems, raw: Any, root: Path) -> tuple[Industry, ...]:
    result: list[Industry] = []
    for n, values in enumerate(read_array(problems, raw, "industries", _section("industries"), root)):
        industry = build(Industry, values)
        label = entry_label("industries", n, raw[n])
        if _SLUG.match(industry.slug) and industry.slug in {i.slug for i in result}:
            problems.add(f"{label}.slug", f"duplicate industry slug {industry.slug!r}")
        if not industry.keywords:
            problems.warn(
                f"{label}.keywords",
                "none given: documents are assigned by the description's meaning alone, "
                "which misses many; list the words your sector's news uses",
            )
        result.append(industry)
    return tuple(result)


def _sources(problems: Problems, raw: Any, root: Path, industries: set[str]) -> tuple[SourceSpec, ...]:
    result: list[SourceSpec] = []
    for n, values in enumerate(read_array(problems, raw, "sources", _section("sources"), root)):
        source = build(SourceSpec, values)
        label = entry_label("sources", n, raw[n])
        if source.name and source.name.casefold() in {s.name.casefold() for s in result}:
            # The commands find a source by its name in any case: two that differ only in case are one.
            problems.add(
                f"{label}.name", f"duplicate source name {source.name!r} (names are matched in any case)"
            )
        for slug in source.industries:
            if slug not in industries:
                problems.add(
                    f"{label}.industries",
                    f"unknown industry slug {slug!r} (configured: {', '.join(sorted(industries)) or 'none'})",
                )
        result.append(source)
    return tuple(result)


def _schedule(problems: Problems, raw: Any, root: Path, values: Values) -> tuple[JobSpec, ...]:
    """[schedule.jobs]: a job's name, and when it runs; each with the [schedule] settings in ``values``."""
    jobs = problems.table(raw, "schedule.jobs", KNOWN_JOBS)
    specs = []
    for name, when in jobs.items():
        if name in KNOWN_JOBS:  # others are reported as unknown keys
            at = At(problems, f"schedule.jobs.{name}", root)
            specs.append(build(JobSpec, {**values, (JobSpec, "when"): _JOB.read(when, at)}, name=name))
    return tuple(specs)


def _workspace_language(values: Values, sources: tuple[SourceSpec, ...]) -> Values:
    """What follows from the workspace's language (and its sources'): the papers' language, the
    site's unless it has its own, the language a summary quotes first, and the embedding model
    that ``[analysis] model = "auto"`` stands for."""
    language = values.get((Config, "language"), "en")
    requested = values.get((AnalysisSettings, "model"), AnalysisSettings.model)
    return {
        (PaperSettings, "language"): language,
        (SiteSettings, "language"): values.get((SiteSettings, "language"), language),
        (SummarySettings, "language"): language,
        (OpportunitySettings, "language"): language,
        (EmbedSettings, "model"): choose_model(requested, [language, *(s.language for s in sources)]),
    }


def _check_cluster(problems: Problems, data: Mapping[str, Any], values: Values) -> None:
    """What [cluster]'s keys mean together: the field's description needs the field; a field without
    keywords is allowed, with a warning."""
    if (ClusterSettings, "field_text") in values:
        if not values.get((ClusterSettings, "keywords")):
            problems.warn(
                "cluster.keywords",
                "none given: documents are scored for the field by the description's meaning alone; "
                "list the words your members' news uses",
            )
    elif "field" not in data:  # (a field given but invalid is reported once, as the field's problem)
        for key in _FIELD_KEYS:
            if key in data:
                problems.add(f"cluster.{key}", "describes the field, but cluster.field is not set")


def _mail(problems: Problems, raw: Any, root: Path) -> MailSettings:
    """[mail], read only when the file has it: the SMTP server digests go through. The password is never
    in the file: ``password_env`` names the environment variable that holds it."""
    values = read_table(problems, raw, "mail", _section("mail"), root, extra=("password",))
    if isinstance(raw, dict) and "password" in raw:
        problems.add(
            "mail.password",
            "a password is never read from the file: put it in an environment variable and name that "
            'variable in password_env (e.g. password_env = "TRENDPAPERS_SMTP_PASSWORD")',
        )
    mail = build(MailSettings, values)
    if mail.user and not mail.password_env:
        problems.add(
            "mail.password_env", "is required with user: the environment variable holding the password"
        )
    if mail.security == "none" and mail.host and mail.host not in LOOPBACK_HOSTS:
        problems.add(
            "mail.security",
            f"'none' sends mail (and any password) in clear text; it is allowed only to a relay on this "
            f"machine ({', '.join(LOOPBACK_HOSTS)}), not {mail.host!r}: use starttls or tls",
        )
    return replace(mail, port=mail.smtp_port)


def parse_config(data: Mapping[str, Any], *, path: Path | None = None, root: Path | None = None) -> Config:
    """Validate a parsed TOML document. Raises ``ConfigError`` with every problem found."""
    root = root or (path.parent if path else Path.cwd())
    problems = Problems()
    top = problems.table(dict(data), "", (s.section for s in SETTINGS))
    values: Values = {}
    for section in dict.fromkeys(s.section for s in SETTINGS if s.section not in (*_ARRAYS, *_OPTIONAL)):
        extra = ("jobs",) if section == "schedule" else ()
        values |= read_table(problems, top.get(section, {}), section, _section(section), root, extra=extra)
    cluster = top.get("cluster", {})
    _check_cluster(problems, cluster if isinstance(cluster, dict) else {}, values)
    mail = _mail(problems, top["mail"], root) if "mail" in top else None
    industries = _industries(problems, top.get("industries", []), root)
    # A source may serve the cluster's field as it serves an industry.
    field_named = bool(values.get((ClusterSettings, "field_text")))
    served = {i.slug for i in industries} | ({FIELD} if field_named else set())
    sources = _sources(problems, top.get("sources", []), root, served)
    values |= _workspace_language(values, sources)
    schedule = top.get("schedule", {})
    jobs = _schedule(problems, schedule.get("jobs", {}) if isinstance(schedule, dict) else {}, root, values)
    if not industries or not sources:
        problems.warn(
            "industries" if not industries else "sources",
            "none configured: nothing will be collected or written (see the commented examples "
            "of `trendpapers init`)",
        )
    if sources and not values.get((SiteSettings, "url")):
        problems.warn(
            "site.url",
            "not set: the site's feeds link to its papers by relative addresses, which feed readers "
            "cannot follow; set it to where the members' site is served",
        )
    mkdocs_yml = root / "mkdocs.yml"
    if mkdocs_yml.is_file() and re.search(
        r"(?m)^site_dir:\s*['\"]?build/site/?['\"]?\s*(#.*)?$", _text_of(mkdocs_yml)
    ):
        problems.warn(
            f"{mkdocs_yml}: site_dir",
            "is build/site, the live site: a plain `mkdocs build` would empty it; set site_dir: build/mkdocs",
        )
    if problems.items:
        raise ConfigError(problems.items, str(path) if path else None)
    return build(
        Config,
        values,
        path=path,
        root=root,
        industries=industries,
        sources=sources,
        schedule=jobs,
        mail=mail,
        warnings=tuple(problems.warnings),
    )


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
