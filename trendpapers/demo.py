"""The bundled demo: fictional sector news served from 127.0.0.1 through the real fetcher.

``trendpapers demo`` starts a local HTTP server over ``demo/data`` (feeds and article pages
written for this project), creates a workspace whose sources point at it, and runs the
pipeline on it. Loopback is allowed in that workspace's fetch policy and nowhere else.

``trendpapers demo --language de`` is a German workspace: German feeds (``demo/data/de``) for
textiles, medical technology and logistics, and the English textile feed beside them, so that
German papers, site pages and feeds show stories that join German and English reports.
"""

from __future__ import annotations

import io
import shutil
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any

from ingest.errors import InputError, TrendpapersError
from papers.files import write_atomic
from trendpapers.workspace import config_path, init_workspace

DATA = resources.files("trendpapers") / "demo" / "data"

DEMO_SOURCES: tuple[tuple[str, str, list[str]], ...] = (
    # (name, feed path, industry hints)
    ("Textile News Network", "feeds/textile-news.xml", ["textile"]),
    ("MedTech Wire", "feeds/medtech-wire.atom", ["medtech"]),
    ("Logistics Today", "feeds/logistics-today.xml", ["logistics"]),
    ("Cluster Digest", "feeds/cluster-digest.rdf", []),
)
# The German demo: (name, feed path, industry hints, language).
GERMAN_SOURCES: tuple[tuple[str, str, list[str], str], ...] = (
    ("Textil-Nachrichten Valmark", "de/feeds/textil-nachrichten.xml", ["textile"], "de"),
    ("Medizintechnik-Report", "de/feeds/medizintechnik-report.atom", ["medtech"], "de"),
    ("Logistik Aktuell", "de/feeds/logistik-aktuell.xml", ["logistics"], "de"),
    ("Textile News Network", "feeds/textile-news.xml", ["textile"], "en"),
)
LANGUAGES = ("en", "de")
# The German demo's industries: names and descriptions in German, keywords in both languages (its
# sources are German and English).
_GERMAN_INDUSTRIES = {
    # The workspace template's industry (name, description and keywords lines) → the German demo's.
    'name = "Textile"': 'name = "Textil"',
    'description = "Technical textiles, fibres, yarns, fabrics, textile machinery, dyeing and finishing, '
    'textile recycling."\n': 'description = "Technische Textilien, Fasern, Garne, Gewebe, Textilmaschinen, '
    'Färben und Veredeln, Textilrecycling und Kreislaufwirtschaft."\n',
    (
        'keywords = ["textile", "fibre", "yarn", "fabric", '
        '"weaving", "knitting", "nonwoven", "dyeing", "apparel"]'
    ): (
        'keywords = ["Textil", "Faser", "Garn", "Gewebe", "Weberei", "Färberei", "Alttextilien", "textile", '
        '"fibre", "yarn", "fabric", "dyeing"]'
    ),
    'name = "Medical technology"': 'name = "Medizintechnik"',
    'description = "Medical devices, diagnostics, surgical instruments and robotics, implants, imaging, '
    'digital health."\n': 'description = "Medizinprodukte, Diagnostik, Wearables und digitale Gesundheit, '
    'KI in der Bildgebung, chirurgische Instrumente und Robotik, Implantate."\n',
    (
        'keywords = ["medical device", "surgery", "implant", '
        '"diagnostics", "imaging", "MDR", "patient", "clinical"]'
    ): (
        'keywords = ["Medizinprodukt", "Klinik", "Diagnostik", "Bildgebung", "MDR", "Patienten", '
        '"medical device", "imaging", "patient", "clinical"]'
    ),
    'name = "Logistics"': 'name = "Logistik"',
    'description = "Freight transport, warehousing, intralogistics, supply chains, ports, last-mile '
    'delivery."\n': 'description = "Güterverkehr und Speditionen, Lkw und Elektromobilität im Transport, '
    'Lagerhaltung, Intralogistik, Lieferketten, Häfen, letzte Meile."\n',
    (
        'keywords = ["logistics", "warehouse", "freight", '
        '"supply chain", "truck", "port", "shipping", "parcel"]'
    ): (
        'keywords = ["Logistik", "Lager", "Spedition", "Lkw", "Hafen", "Lieferkette", "logistics", '
        '"warehouse", "freight", "truck"]'
    ),
}
_GERMAN_HOME = """# Demo-Cluster

Trendpapiere für unsere Mitglieder, entworfen aus den Branchennachrichten, die der Cluster
verfolgt, und von der Geschäftsstelle des Clusters redigiert. Veröffentlichte Trendpapiere erscheinen hier.
"""


class _DemoHandler(SimpleHTTPRequestHandler):
    """Serves the demo files with ``{{base}}`` replaced by the server's own address."""

    base = ""

    def send_head(self) -> Any:
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            return super().send_head()
        body = path.read_bytes().replace(b"{{base}}", self.base.encode())
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the fetcher logs what matters


@contextmanager
def serve_folder(root: Path) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 (a free port) for the duration; yields the base URL.

    ``{{base}}`` in a served file becomes that URL, so feeds can link to their own articles.
    """

    class Handler(_DemoHandler):  # a class per server: it carries that server's base URL
        pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(root)))
    Handler.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Handler.base
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serve_demo() -> Iterator[str]:
    """Serve the demo data on 127.0.0.1 for the duration; yields the base URL."""
    with resources.as_file(DATA) as root, serve_folder(root) as base:
        yield base


MARKER = ".trendpapers-demo"  # marks a directory the demo made, and may therefore replace


DEMO_AS_OF = "2026-11-20"
DEMO_MAIL = """
[mail]
# The demo sends nothing: `trendpapers digest --dry-run DIR` writes the messages as files. To watch
# them being sent, run a local test server (python -m aiosmtpd -n -l localhost:8025) and
# `trendpapers digest`.
host = "localhost"
port = 8025
security = "none"
from = "Demo Cluster papers <papers@demo-cluster.example>"
unsubscribe = "mailto:office@demo-cluster.example?subject=unsubscribe"
"""
DEMO_FIELD = """\
field = "Virtual engineering: simulation, digital twins, virtual reality, PLM and CAE"
description = \"\"\"Virtual engineering services: simulation, finite element and CFD analysis, \\
digital twins, virtual reality, virtual prototypes, product lifecycle management.\"\"\"
keywords = [
    "simulation", "digital twin", "virtual reality", "virtual prototype", "finite element", "CAE", "PLM",
]
"""
# The German demo's field: the same members' work, described in German (with English keywords too,
# as its sources are German and English).
GERMAN_FIELD = """\
field = "Virtuelles Engineering: Simulation, digitale Zwillinge, virtuelle Realität, PLM und CAE"
description = \"\"\"Dienstleistungen des virtuellen Engineerings: Simulation, Finite-Elemente- und \\
CFD-Analysen, digitale Zwillinge, virtuelle Realität, virtuelle Prototypen, \\
Produktlebenszyklusmanagement.\"\"\"
keywords = [
    "Simulation", "digitaler Zwilling", "virtuelle Realität", "Finite Elemente", "CAE", "PLM",
    "simulation", "digital twin", "virtual reality",
]
"""


def _earlier_demo(directory: Path) -> bool:
    """Whether ``directory`` holds an earlier demo; an ``InputError`` if it exists and does not."""
    if not directory.exists():
        return False
    if not (directory / MARKER).is_file():
        raise InputError(f"{directory} exists and was not made by the demo; choose another --dir")
    return True


def write_demo_workspace(directory: Path, base: str, language: str = "en") -> Path:
    """A fresh workspace in ``directory`` whose sources are the demo feeds at ``base``; returns its config.
    ``language`` "de": the German demo (German workspace, German and English sources).

    A directory left by an earlier demo is replaced (the demo server's port, and so every URL,
    changes per run); any other existing directory is refused, never deleted.
    """
    if language not in LANGUAGES:
        raise TrendpapersError(f"no demo in {language!r} (there are: {', '.join(LANGUAGES)})")
    if _earlier_demo(directory):
        shutil.rmtree(directory)
    init_workspace(directory, "Demo-Cluster" if language == "de" else "Demo Cluster", language=language)
    (directory / MARKER).write_text(
        "made by `trendpapers demo`; replaced on the next demo run\n", encoding="utf-8"
    )
    path = config_path(directory)
    text = path.read_text(encoding="utf-8")
    # The demo server runs on loopback: allow exactly that address, and no politeness gap to wait out.
    text = text.replace("allow_networks = []", 'allow_networks = ["127.0.0.1/32"]')
    text = text.replace("host_gap = 1.0 ", "host_gap = 0.0 ")
    # The demo feeds are dated up to November 2026: the trend window ends there, not today.
    text = text.replace("# as_of = 2026-11-20 ", f"as_of = {DEMO_AS_OF} ")
    # The demo cluster's members work in virtual engineering: its field, next to the three industries;
    # its (fictional) member file lies in the workspace, outside what the site is built from.
    field = GERMAN_FIELD if language == "de" else DEMO_FIELD
    text = text.replace("[cluster]\n", "[cluster]\n" + field + 'members = "members.toml"\n', 1)
    # Where `trendpapers demo` says to serve the site: the digests link there.
    text = text.replace('# url = "https://cluster.example/papers/"', 'url = "http://127.0.0.1:8000/"', 1)
    write_atomic(
        directory / "members.toml",
        (resources.files("trendpapers") / "demo" / "members.toml").read_text("utf-8"),
    )
    sources = [(*s, "en") for s in DEMO_SOURCES] if language == "en" else list(GERMAN_SOURCES)
    if language == "de":
        for english, german in _GERMAN_INDUSTRIES.items():
            if english not in text:  # the workspace template changed: this demo must follow it
                raise TrendpapersError(f"the workspace template no longer holds {english.splitlines()[0]!r}")
            text = text.replace(english, german)
        write_atomic(directory / "site" / "docs" / "index.md", _GERMAN_HOME)
    blocks = [
        f'\n[[sources]]\nname = "{name}"\nurl = "{base}/{feed}"\nkind = "news"\n'
        f'industries = {industries!r}\nlanguage = "{lang}"\n'.replace("'", '"')
        for name, feed, industries, lang in sources
    ]
    mail = (
        DEMO_MAIL
        if language == "en"
        else DEMO_MAIL.replace("Demo Cluster papers", "Demo-Cluster-Trendpapiere")
    )
    write_atomic(path, text + mail + "".join(blocks))
    return path


# What the demo's editors write in place of the paper's prompts before they approve it: the
# cluster's view, which no draft can give. A published paper with the prompts still in it would
# show members a note meant for the editors.
EDITORS_VIEW = {
    "en": (
        "Recycling capacity in the region is growing faster than the sorting that feeds it: members"
        " with sorting, spinning or finishing lines should talk to Nordweave Fibres and to the Fibre"
        " Loop Valmark consortium. The cluster's working group on circular textiles meets on"
        " 10 December; knitters interested in medical sensor textiles are welcome at its next"
        " meeting with the Selmstad diabetes clinic."
    ),
    "de": (
        "Die Recyclingkapazität in der Region wächst schneller als die Sortierung, die sie beliefert:"
        " Mitglieder mit Sortier-, Spinn- oder Veredelungslinien sollten mit Nordweave Fibres und dem"
        " Konsortium Fibre Loop Valmark sprechen. Die Arbeitsgruppe Kreislauftextilien des Clusters"
        " tagt am 10. Dezember; Strickereien, die sich für medizinische Sensortextilien interessieren,"
        " sind beim nächsten Treffen mit der Uniklinik Ravensholt willkommen."
    ),
}


def write_editors_view(paper: Path, language: str) -> None:
    """Replace the editors' prompts (the block quote that opens with them) in ``paper`` with the
    demo editors' own text, as the cluster team does before approving."""
    from papers.lifecycle import prompt_block

    lines = paper.read_text(encoding="utf-8").split("\n")
    found = prompt_block(lines)
    if found is None:  # a workspace template without them: nothing to replace
        return
    start, end = found
    lines[start:end] = [EDITORS_VIEW[language]]
    write_atomic(paper, "\n".join(lines))


def command_name() -> str:
    """How to call this command again, for the hints: ``trendpapers`` when that is the one on the
    PATH, else the path it was started by (a virtual environment's ``bin/``) or ``python -m``."""
    started = Path(sys.argv[0])
    if started.name == "__main__.py":
        return f"{sys.executable} -m trendpapers"
    found = shutil.which("trendpapers")
    if found and started.exists() and Path(found).resolve() == started.resolve():
        return "trendpapers"
    return str(started.resolve()) if started.exists() else "trendpapers"


def run_demo(directory: Path, say: Callable[[str], None], language: str = "en") -> int:
    """The whole pipeline on the demo sources: ingest, analyze, draft, write the editors' view into
    the first industry's paper, approve and publish it, build the site; ``say`` gets a line per
    step. Returns the exit code (1 when items had errors). ``language`` "de": the German demo."""
    import resource
    import time

    from papers.lifecycle import change_status
    from trendpapers.config import load_config
    from trendpapers.db import open_store
    from trendpapers.digests import run_digests
    from trendpapers.lock import workspace_lock
    from trendpapers.pipeline import STAGES, StageResult, recorded

    def report(result: StageResult) -> None:
        for line in result.details:
            say(f"  {line}")
        say(f"{result.stage}: {result.summary}")

    started = time.perf_counter()
    directory = directory.resolve()  # the workspace's paths are absolute; so are the hints printed
    if _earlier_demo(directory):  # told before anything starts
        say(f"replacing the earlier demo workspace {directory}, with any edits made in it")
    with serve_demo() as base:
        say(f"demo sources served at {base}")
        path = write_demo_workspace(directory, base, language)
        config = load_config(path)
        with workspace_lock(config.root, "demo"):
            engine = open_store(config.storage_url)
            ingested = recorded(engine, "ingest", lambda: STAGES["ingest"](config, engine))
    report(ingested)
    first = config.industries[0].slug
    with workspace_lock(config.root, "demo"):
        for stage in ("analyze", "draft"):
            report(recorded(engine, stage, partial(STAGES[stage], config, engine)))
        (draft,) = (config.papers_dir / first).glob("*.md")
        write_editors_view(draft, language)
        say(f"edit: {draft.relative_to(directory)}: the editors' view in place of the prompts")
        for action in ("approve", "publish"):
            change = change_status(engine, config.papers_dir, first, None, action, "demo")
            say(f"{action}: {change.row.industry} {change.row.edition} is {change.row.status}")
        report(recorded(engine, "build", lambda: STAGES["build"](config, engine)))
    outbox = directory / "outbox"
    digests = run_digests(config, dry_run=outbox)
    for outcome in digests.outcomes:
        say(f"  {outcome.action:<10} {outcome.member}: {outcome.detail}")
    written = sum(o.action == "written" for o in digests.outcomes)
    say(f"digest: {written} members' digests written to {outbox} (--dry-run: nothing sent)")
    peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    say(f"demo took {time.perf_counter() - started:.1f} s, peak memory {peak / 1024:.0f} MB")
    tp = command_name()
    say(f"demo workspace: {directory} (the next `{tp} demo` here replaces it)")
    say(f"  site:    {sys.executable} -m http.server -d {config.root / 'build' / 'site'} -b 127.0.0.1 8000")
    say("           (the sources' links pointed at the demo's own news server, which stopped with it)")
    say(f"  papers:  {config.papers_dir} (Markdown; edit them, then draft again: edits are kept)")
    say(f"  list:    {tp} -c {path} papers list")
    say(f"  approve: {tp} -c {path} papers approve {config.industries[1].slug}")
    say(f"  preview: {tp} -c {path} serve-preview  (drafts and approved papers too, with a PREVIEW banner)")
    say(
        f"  desk:    {tp} -c {path} editors add NAME, then {tp} -c {path} serve-editor "
        "(the editors' desk on http://127.0.0.1:8001)"
    )
    say(f"  members: {tp} -c {path} members match  (the drafts name them for the editors)")
    say(f"  crossing: {tp} -c {path} opportunities")
    say(f"  again:   {tp} -c {path} analyze  (nothing new: no model call, no file changed)")
    return 1 if ingested.errors else 0
