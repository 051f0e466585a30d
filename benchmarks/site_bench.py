"""Site build benchmark (run on demand: `make bench`, or `python benchmarks/site_bench.py --help`).

For 50, 200 and 1,000 published papers (rendered by the real paper template from generated data,
3 trends of 5 cited sentences each, with charts) it measures, each in a fresh process:

- `trendpapers build` (compose, MkDocs with Material, check and harden every page, swap),
- an (incremental) rebuild after the text of one paper changed, and a rebuild with nothing changed,
- a plain `mkdocs build` of the same Markdown with Material and MkDocs' own navigation (all pages),

reporting seconds and peak memory (max RSS of that process). Shared 2-core machine: compare ratios.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

SIZES = (50, 200, 1000)
WORDS = (
    "fibre recycling yarn weaving sensor hospital imaging robot freight port warehouse truck battery "
    "consortium funding plant capacity pilot tonnes members cluster partners market supply chain "
    "textile medical logistics software platform data trial certificate dyeing water energy"
).split()

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
started = time.perf_counter()
mode, folder = sys.argv[1], Path(sys.argv[2])
if mode == "plain":
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    config = load_config(config_file=str(folder / "plain.yml"))
    config.plugins.on_startup(command="build", dirty=False)
    build(config)
else:
    from papers.sitebuild import build_site
    from trendpapers.config import load_config as tp_config
    from trendpapers.db import open_store
    config = tp_config(folder / "trendpapers.toml")
    report = build_site(open_store(config.storage_url), config.workspace, config.site, force=mode == "force")
    expected = {"noop": "unchanged", "force": "built", "build": "built incrementally"}[mode]
    assert report.action == expected, report
print(json.dumps({"seconds": time.perf_counter() - started,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 24))).capitalize() + "."


def make_workspace(folder: Path, papers: int, seed: int = 1) -> None:
    """A workspace with ``papers`` published papers from generated trends (10 industries, monthly)."""
    from papers import store
    from papers.content import PaperData, TrendSection, chart_path
    from papers.draft import write_charts
    from papers.editions import edition_for
    from papers.render import render_paper
    from summarize.records import Industry
    from summarize.store import AnalysisState
    from summarize.summarizer import CitedSentence
    from summarize.trends import Trend
    from trendpapers.config import load_config
    from trendpapers.db import open_store
    from trendpapers.workspace import init_workspace

    rng = random.Random(seed)
    init_workspace(folder, "Benchmark Cluster")
    industries = [Industry(f"industry-{i}", f"Industry {i}") for i in range(10)]
    config_text = (folder / "trendpapers.toml").read_text()
    config_text += "".join(f'\n[[industries]]\nslug = "{i.slug}"\nname = "{i.name}"\n' for i in industries)
    (folder / "trendpapers.toml").write_text(config_text.replace('slug = "textile"', 'slug = "textile"', 1))
    config = load_config(folder / "trendpapers.toml")
    engine = open_store(config.storage_url)
    doc = 0
    with engine.begin() as conn:
        for n in range(papers):
            industry = industries[n % 10]
            month = n // 10
            edition = edition_for(date(2026 - month // 12, 12 - month % 12, 1), "monthly")
            sections, citations = [], {}
            for t in range(3):
                ids = list(range(doc, doc + 5))
                doc += 5
                for i in ids:
                    citations[i] = store.Citation(
                        i,
                        _sentence(rng),
                        f"https://news.example.org/{i}",
                        "Example News",
                        edition.start,
                        None,
                    )
                trend = Trend(
                    f"{industry.slug}-{n:04d}{t}", industry.slug, edition.start, edition.end, "a · b · c",
                    f"Trend {n}{t}", _sentence(rng), ids[0], (ids[0],), tuple(ids), 5, 2,
                    tuple((f"2026-{w % 12 + 1:02d}-01", rng.randint(0, 5)) for w in range(26)),
                    2, 0.0, 0.2, "rising", False,
                )  # fmt: skip
                summary = tuple(CitedSentence(_sentence(rng), i) for i in ids)
                sections.append(
                    TrendSection(
                        trend,
                        summary,
                        tuple(citations[i] for i in ids),
                        (),
                        chart_path(edition, trend.trend_id),
                    )
                )
            data = PaperData(
                "Benchmark Cluster", industry, edition,
                AnalysisState(industry.slug, edition.end, 90, "sentence-transformers/all-MiniLM-L6-v2", "extractive"),
                15, (("Example News", 15),), edition.start, edition.end, tuple(sections), (), (), None, citations,
            )  # fmt: skip
            text = render_paper(data, "2026-11-23T00:00:00Z").replace(
                'status: "draft"', 'status: "published"'
            )
            path = config.papers_dir / industry.slug / f"{edition.name}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            write_charts(config.papers_dir, data)
            store.save_paper(
                conn,
                store.PaperRow(
                    industry.slug,
                    edition.name,
                    edition.start,
                    f"{industry.slug}/{edition.name}.md",
                    "published",
                    text,
                    "2026-11-23T00:00:00Z",
                    (),
                ),
            )


def measure(mode: str, folder: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(folder)], capture_output=True, text=True, check=False
    )
    if out.returncode:
        raise SystemExit(f"{mode} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args()
    print(
        f"{'papers':>6} {'build s':>8} {'MB':>5} {'1 changed s':>11} {'no-op s':>8} {'plain mkdocs s':>14} {'MB':>5} {'ratio':>6}"
    )
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "ws"
            make_workspace(folder, size)
            full = measure("force", folder)
            paper = next((folder / "papers").rglob("*.md"))
            paper.write_text(paper.read_text() + "\nOne more sentence by the editors.\n")
            one = measure("build", folder)
            noop = measure("noop", folder)
            docs = folder / "build" / "docs-site"
            (folder / "plain.yml").write_text(
                f"site_name: plain\ndocs_dir: {docs}\nsite_dir: {folder / 'plain-site'}\n"
                "theme:\n  name: material\n  font: false\nplugins:\n  - search\n"
                "markdown_extensions:\n  - footnotes\n  - tables\n  - toc\n  - admonition\n"
            )
            plain = measure("plain", folder)
            print(
                f"{size:>6} {full['seconds']:>8.1f} {full['peak_mb']:>5.0f} {one['seconds']:>11.1f} {noop['seconds']:>8.2f} "
                f"{plain['seconds']:>14.1f} {plain['peak_mb']:>5.0f} {full['seconds'] / plain['seconds']:>6.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
