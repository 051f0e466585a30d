"""Analysis benchmarks: story quality against baselines, embedding speed, clustering at scale.

    python benchmarks/analysis_bench.py [--reuters DIR] [--news-aggregator CSV] [--skip-stories]
                                        [--skip-speed] [--skip-scale]

1. Stories on labelled real news, ours (``trendpapers eval trends`` code and defaults) against
   TF-IDF + agglomerative clustering, MiniLM + average linkage, MiniLM + HDBSCAN and BERTopic on
   the same embeddings, each baseline at its best setting on the very data (a generous
   comparison), and ours with each threshold moved by -0.1, -0.05, +0.05 and +0.1:
   - ECB+ and the Gun Violence Corpus events from ``../shared/corpora/events`` (see its README);
     ECB+ also scores our trends against its topics (two events of one kind each);
   - the 70 Reuters-21578 articles that Debian's ``r-cran-tm`` package ships (``apt-get download
     r-cran-tm && dpkg -x r-cran-tm_*.deb /tmp/tm``, then ``--reuters
     /tmp/tm/usr/lib/R/site-library/tm/texts``), labelled by hand into events in
     ``benchmarks/data/reuters_events.json``: full texts, mostly one article per event;
   - with ``--news-aggregator``, the UCI News Aggregator data (``newsCorpora.csv``, public domain,
     from the UCI Machine Learning Repository; or its comma-separated copy with a header row): the
     first ``--news-rows`` (1,152) headlines, 21 stories of 9 to 165 articles labelled by the
     aggregator, 10-11 March 2014. Headlines only; the aggregator's stories are story lines (a
     bankruptcy filing and the hack claims around it are one story) and sometimes split one
     event (weak Chinese export data moving markets is three stories).
   With both sets, ours at its defaults against TF-IDF at the one threshold that does best on both.
   Then ECB+ subsets that mix event sizes as a feed does (``mixes``): a stream of a few whole
   events among single reports, and a few big events among small ones.
2. Embedding speed on mixed feed text (titles, summaries, article leads from ../shared/corpora):
   sentence-transformers ``encode`` against our embedder in float32 and bfloat16, same texts, model
   and token limit, in one run; then our embedder with the pipeline's defaults.
3. Story and trend clustering of 50,000 synthetic documents: seconds and peak memory.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import random
import resource
import sys
import time
import tracemalloc
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from summarize.analyze import AnalysisSettings
from summarize.embed import (
    EmbedSettings,
    TransformersEmbedder,
    default_model_path,
    document_text,
    native_bfloat16,
)
from summarize.evaluate import _Article, eval_stories, eval_trends
from summarize.score import score_clustering
from summarize.stories import StoryDoc, group_stories
from summarize.trends import TrendDoc, build_trends

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
REUTERS_DEFAULT = Path("/usr/lib/R/site-library/tm/texts")


def reuters(directory: Path) -> tuple[list[_Article], dict[str, str]]:
    labels = json.loads((ROOT / "benchmarks" / "data" / "reuters_events.json").read_text())["events"]
    event_of = {doc: event for event, docs in labels.items() for doc in docs}
    articles = []
    for path in sorted(directory.glob("*/reut-*.xml")):
        root = ET.parse(path).getroot()  # noqa: S314 — a Debian package's files, not input from the web
        key = f"{path.parent.name}/{path.name}"
        day = datetime.strptime((root.findtext("DATE") or "").split()[0], "%d-%b-%Y").replace(tzinfo=UTC)
        body = " ".join((root.findtext("TEXT/BODY") or "").split())
        articles.append(_Article(key, (root.findtext("TEXT/TITLE") or "").strip(), body, day))
    return articles, {a.id: event_of.get(a.id, a.id) for a in articles}


def best_over_thresholds(labels_for, gold: dict[str, str], thresholds) -> tuple[float, float]:
    best = (0.0, 0.0)
    for t in thresholds:
        f1 = score_clustering(gold, labels_for(t)).pairwise.f1
        best = max(best, (f1, t))
    return best


def news_aggregator(path: Path, rows: int) -> tuple[list[_Article], dict[str, str]]:
    """The first ``rows`` headlines of the UCI News Aggregator data and the aggregator's story labels.

    Reads the UCI download (``newsCorpora.csv``: tab-separated ID, TITLE, URL, PUBLISHER, CATEGORY,
    STORY, HOSTNAME, TIMESTAMP, no header) or the comma-separated copy with a header row.
    """
    with path.open(encoding="utf-8", newline="") as fh:
        first = fh.readline()
        fh.seek(0)
        tabbed = "\t" in first
        reader = csv.reader(fh, delimiter="\t" if tabbed else ",")
        if first.startswith("ID"):
            next(reader)
        articles, gold = [], {}
        for row in reader:
            if len(articles) == rows:
                break
            key, title, story, stamp = row[0], row[1], row[5], int(row[7])
            when = datetime.fromtimestamp(stamp / 1000, UTC)
            articles.append(_Article(key, title, "", when))
            gold[key] = story
    return articles, gold


TFIDF_THRESHOLDS = np.arange(0.01, 0.95, 0.01)


def tfidf_agglomerative(articles: list[_Article]) -> Callable[[float], dict]:
    """The baseline: word TF-IDF of title and text, average linkage on cosine, cut at a threshold
    (the tree is built once; each threshold only cuts it)."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [f"{a.title}. {a.text}" for a in articles]
    tfidf = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts).toarray()
    tree = linkage(pdist(tfidf, "cosine"), method="average")

    def cluster(t: float) -> dict:
        return dict(zip([a.id for a in articles], fcluster(tree, 1 - t, "distance"), strict=True))

    return cluster


class RememberingEmbedder:
    """The model, each text embedded once per run: the threshold sweeps group the same texts again."""

    def __init__(self, settings: EmbedSettings) -> None:
        self._model = TransformersEmbedder(settings)
        self._seen: dict[str, np.ndarray] = {}

    @property
    def model_id(self) -> str:
        return self._model.model_id

    def embed(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._seen]
        if missing:
            self._seen.update(zip(missing, self._model.embed(missing), strict=True))
        return np.stack([self._seen[t] for t in texts]) if texts else self._model.embed([])


def one_setting(sets: dict[str, tuple[list[_Article], dict[str, str]]], ours: dict[str, float]) -> None:
    """Ours with its defaults (``ours``: pairwise F1 per set) against TF-IDF at the one threshold whose
    worst F1 over all sets is best: a deployment has one setting, not one per data set."""
    tfidf = {}
    for name, (articles, gold) in sets.items():
        cluster = tfidf_agglomerative(articles)
        tfidf[name] = [score_clustering(gold, cluster(t)).pairwise.f1 for t in TFIDF_THRESHOLDS]
    best = max(range(len(TFIDF_THRESHOLDS)), key=lambda k: min(f1[k] for f1 in tfidf.values()))
    print(f"\n## One setting for every set: pairwise F1 on {', '.join(sets)}")
    print(f"- ours, defaults: {', '.join(f'{f:.3f}' for f in ours.values())}")
    print(
        f"- TF-IDF + agglomerative at {TFIDF_THRESHOLDS[best]:.2f}, its best worst case: "
        + ", ".join(f"{f1[best]:.3f}" for f1 in tfidf.values())
    )


def labelled_events(name: str) -> tuple[list[_Article], dict[str, str], dict[str, str]]:
    """A labelled set of ``../shared/corpora/events/`` (see its README): articles, events, topics."""
    articles, gold, topics = [], {}, {}
    for line in (CORPORA / "events" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        when = datetime.fromisoformat(row["published"]) if row.get("published") else None
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        articles.append(_Article(row["id"], row["title"] or "", row["text"], when))
        gold[row["id"]] = row["event"]
        if row.get("topic") is not None:
            topics[row["id"]] = str(row["topic"])
    return articles, gold, topics


def story_quality(
    name: str, articles: list[_Article], gold: dict[str, str], topics: dict[str, str] | None = None
) -> float:
    """Prints the comparison (and trends against ``topics``, if given); returns our pairwise F1."""
    print(f"## Stories: {len(articles)} {name}, {len(set(gold.values()))} labelled events")
    settings = AnalysisSettings()
    print("| method | pairwise P | R | F1 | BCubed F1 | ARI |")
    print("|---|---|---|---|---|---|")

    def row(name: str, predicted: dict, truth: dict = gold) -> float:
        s = score_clustering(truth, predicted)
        print(
            f"| {name} | {s.pairwise.precision:.3f} | {s.pairwise.recall:.3f} | {s.pairwise.f1:.3f} "
            f"| {s.bcubed.f1:.3f} | {s.adjusted_rand:.3f} |"
        )
        return s.pairwise.f1

    embedder = RememberingEmbedder(settings.embed)

    def ours(tuned: AnalysisSettings) -> list[dict]:
        return eval_trends(articles, embedder, tuned)

    defaults = ours(settings)
    ours_f1 = row(
        f"ours, defaults (story threshold {settings.stories.threshold})", _labels(defaults, "story")
    )
    if topics:
        row(
            f"ours, trends against the {len(set(topics.values()))} topics", _labels(defaults, "trend"), topics
        )
    # Sensitivity: each threshold moved on its own, the other at its default.
    for delta in (-0.1, -0.05, 0.05, 0.1):
        moved = replace(
            settings, stories=replace(settings.stories, threshold=settings.stories.threshold + delta)
        )
        row(
            f"ours, story threshold {round(settings.stories.threshold + delta, 3):g}",
            _labels(ours(moved), "story"),
        )
    if topics:
        for delta in (-0.1, -0.05, 0.05, 0.1):
            t = settings.trends.threshold + delta
            moved = replace(settings, trends=replace(settings.trends, threshold=t))
            row(f"ours, trends at trend threshold {round(t, 3):g}", _labels(ours(moved), "trend"), topics)
        uncrowded = replace(settings, trends=replace(settings.trends, crowding=0.0))
        row("ours, trends without the crowding correction", _labels(ours(uncrowded), "trend"), topics)

    def embedding_only(t: float) -> dict:
        stories = replace(settings.stories, threshold=t, weights=(1.0, 0.0, 0.0), crowding=0.0)
        return _labels(ours(replace(settings, stories=stories)), "story")

    _, t = best_over_thresholds(embedding_only, gold, np.arange(0.4, 0.8, 0.05))
    row(
        f"MiniLM + average linkage (ours without words, names, crowding), best threshold {t:.2f}",
        embedding_only(t),
    )

    agglomerative = tfidf_agglomerative(articles)
    _, t = best_over_thresholds(agglomerative, gold, TFIDF_THRESHOLDS)
    row(f"TF-IDF + agglomerative (average), best threshold {t:.2f}", agglomerative(t))
    if topics:
        _, t = best_over_thresholds(agglomerative, topics, TFIDF_THRESHOLDS)
        row(f"TF-IDF + agglomerative against the topics, best threshold {t:.2f}", agglomerative(t), topics)

    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from umap import UMAP

    vectors = embedder.embed([document_text(a.title, a.text, settings.embed.lead_chars) for a in articles])

    def hdbscan(size: int) -> dict:
        labels = HDBSCAN(min_cluster_size=size, min_samples=1, metric="euclidean").fit_predict(vectors)
        return {a.id: (t if t >= 0 else f"outlier-{a.id}") for a, t in zip(articles, labels, strict=True)}

    _, size = best_over_thresholds(hdbscan, gold, [2, 3, 4, 6])
    row(f"MiniLM + HDBSCAN, best min_cluster_size {int(size)}", hdbscan(int(size)))

    def bertopic(size: int) -> dict:
        model = BERTopic(
            umap_model=UMAP(n_neighbors=5, n_components=5, min_dist=0.0, metric="cosine", random_state=42),
            hdbscan_model=HDBSCAN(min_cluster_size=size, min_samples=1, prediction_data=True),
        )
        topics, _ = model.fit_transform([f"{a.title}. {a.text}" for a in articles], vectors)
        # BERTopic's outliers (-1) are singletons, not one big story.
        return {a.id: (t if t >= 0 else f"outlier-{a.id}") for a, t in zip(articles, topics, strict=True)}

    _, size = best_over_thresholds(bertopic, gold, [2, 3, 4, 6, 10])
    row(f"BERTopic on the same embeddings, best min_cluster_size {int(size)}", bertopic(int(size)))
    print()
    return ours_f1


def mixes(articles: list[_Article], gold: dict[str, str], draws: int = 10) -> None:
    """Stories on ECB+ subsets that mix event sizes as a feed does, ``draws`` random draws each:
    a stream (5 whole events among single reports of 60 others: what an industry's window mostly
    holds) and big stories among small ones (5 events of 14 or more reports, 11 cut to 2-5
    reports). Ours at its defaults, ours with the crowding penalty uncapped, and TF-IDF at its best
    threshold over all draws of the mix; mean and worst pairwise F1."""
    settings = AnalysisSettings()
    embedder = RememberingEmbedder(settings.embed)
    by_event: dict[str, list[_Article]] = {}
    for a in articles:
        by_event.setdefault(gold[a.id], []).append(a)
    events = sorted(by_event)
    big = [e for e in events if len(by_event[e]) >= 14]

    def stream(r: random.Random) -> list[_Article]:
        chosen = r.sample(events, 65)
        return [a for e in chosen[:5] for a in by_event[e]] + [r.choice(by_event[e]) for e in chosen[5:]]

    def big_and_small(r: random.Random) -> list[_Article]:
        small = r.sample([e for e in events if len(by_event[e]) <= 8], 11)
        cut = [a for e in small for a in r.sample(by_event[e], min(len(by_event[e]), r.randint(2, 5)))]
        return [a for e in r.sample(big, 5) for a in by_event[e]] + cut

    uncapped = replace(settings, stories=replace(settings.stories, crowded_at_most=np.inf))
    print("## Stories in mixes of event sizes (ECB+ subsets, pairwise F1 mean / worst over draws)")
    print("| mix | ours, defaults | ours, crowding penalty uncapped | TF-IDF, best threshold |")
    print("|---|---|---|---|")
    for name, draw in (
        ("a stream: 5 whole events, 60 single reports", stream),
        ("5 big events, 11 cut to 2-5 reports", big_and_small),
    ):
        subsets = [draw(random.Random(seed)) for seed in range(draws)]
        scores: dict[str, list[float]] = {"ours": [], "uncapped": []}
        tfidf_scores: list[list[float]] = []
        for subset in subsets:
            truth = {a.id: gold[a.id] for a in subset}
            for key, tuned in (("ours", settings), ("uncapped", uncapped)):
                predicted = _labels(eval_stories(subset, embedder, tuned), "story")
                scores[key].append(score_clustering(truth, predicted).pairwise.f1)
            cluster = tfidf_agglomerative(subset)
            tfidf_scores.append([score_clustering(truth, cluster(t)).pairwise.f1 for t in TFIDF_THRESHOLDS])
        best = int(np.mean(tfidf_scores, axis=0).argmax())
        at_best = [tfidf_scores[k][best] for k in range(len(subsets))]
        cells = [f"{np.mean(v):.3f} / {np.min(v):.3f}" for v in (scores["ours"], scores["uncapped"], at_best)]
        print(f"| {name} | {cells[0]} | {cells[1]} | {cells[2]} (at {TFIDF_THRESHOLDS[best]:.2f}) |")
    print()


def _labels(rows: list[dict], key: str) -> dict:
    return {r["id"]: r[key] for r in rows}


def feed_texts() -> list[str]:
    import feedparser

    texts: list[str] = []
    for path in sorted((CORPORA / "feeds" / "real-sites").glob("*")):
        for entry in feedparser.parse(path.read_bytes()).entries[:20]:
            texts += [entry.get("title", ""), entry.get("summary", "")[:600]]
    truth = json.loads((CORPORA / "articles" / "aeb" / "ground-truth.json").read_text())
    texts += [v["articleBody"][:1500] for v in list(truth.values())[:150]]
    return [t for t in texts if t.strip()]


def padding(tokenizer, texts: list[str], limit: int) -> None:
    """Tokens each batching computes: how much float32 can gain at all while the vectors stay equal."""
    lengths = [len(ids) for ids in tokenizer(texts, truncation=True, max_length=limit)["input_ids"]]

    def computed(order: list[int], size: int) -> int:
        return sum(
            max(lengths[i] for i in order[k : k + size]) * len(order[k : k + size])
            for k in range(0, len(order), size)
        )

    by_chars = sorted(range(len(texts)), key=lambda i: -len(texts[i]))  # encode's order, batches of 32
    by_tokens = sorted(range(len(texts)), key=lambda i: lengths[i])
    real = sum(lengths)
    print(
        f"tokens: {real:,} real; encode's batches compute {computed(by_chars, 32) / real - 1:+.0%} padding, "
        f"ours {computed(by_tokens, EmbedSettings().batch_size) / real - 1:+.0%}"
    )


def embedding_speed() -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    texts = feed_texts()
    print(f"\n## Embedding speed: {len(texts)} mixed feed texts, all-MiniLM-L6-v2, torch {torch.__version__}")
    reference = SentenceTransformer(str(default_model_path()), device="cpu")
    limit = reference.max_seq_length
    padding(reference.tokenizer, texts, limit)
    pipeline = TransformersEmbedder()
    runners = {
        "sentence-transformers encode": lambda batch: reference.encode(batch, normalize_embeddings=True),
        f"ours, {limit} tokens, float32, 2 threads": TransformersEmbedder(
            EmbedSettings(max_tokens=limit, threads=2, precision="float32")
        ).embed,
        f"ours, {limit} tokens, bfloat16, 2 threads": TransformersEmbedder(
            EmbedSettings(max_tokens=limit, threads=2, precision="bfloat16")
        ).embed,
        "ours, pipeline defaults": pipeline.embed,
    }
    vectors: dict[str, np.ndarray] = {}
    timings: dict[str, list[float]] = {name: [] for name in runners}
    for run in runners.values():  # load and warm up
        run(texts[:16])
    for _ in range(3):  # interleaved, so that a busy spell on the shared machine hits all of them
        for name, run in runners.items():
            # torch's thread count is process-wide: each embedder sets its own on load; set it per run
            torch.set_num_threads(2 if "2 threads" in name or name.startswith("sentence") else 1)
            start = time.perf_counter()
            vectors[name] = run(texts)
            timings[name].append(time.perf_counter() - start)
    print(
        f"native bfloat16 on this CPU: {native_bfloat16()}; pipeline defaults: {pipeline.settings.max_tokens} "
        f"tokens, {pipeline.precision}, {pipeline.settings.threads} thread"
    )
    base = min(timings["sentence-transformers encode"])
    expected = vectors["sentence-transformers encode"]
    print(f"reference: sentence-transformers encode, {limit} tokens, torch's default 2 threads")
    print("| embedder | seconds (best of 3) | speed vs encode | min cosine to encode |")
    print("|---|---|---|---|")
    for name, times in timings.items():
        same_input = name != "ours, pipeline defaults"  # it reads fewer tokens: other vectors
        cosine = f"{(expected * vectors[name]).sum(axis=1).min():.6f}" if same_input else "(other input)"
        print(f"| {name} | {min(times):.2f} | {base / min(times):.2f}x | {cosine} |")


def scale(n: int = 50_000) -> None:
    rng = np.random.default_rng(0)
    events, dim = n // 5, 384 + 2 * 1024  # embedding, words, names
    centres = rng.standard_normal((events, dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    pick = rng.integers(0, events, n)
    # Made in blocks: the whole noise matrix at once would set the process's peak, not the clustering.
    vectors = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 5000):
        block = centres[pick[start : start + 5000]]
        block += 0.6 * rng.standard_normal(block.shape, dtype=np.float32) / np.sqrt(dim)
        vectors[start : start + 5000] = block / np.linalg.norm(block, axis=1, keepdims=True)
    del centres
    start_day = datetime(2026, 5, 1, tzinfo=UTC)
    days = (pick % 180).astype(float) + rng.uniform(0, 2, n)  # each event lives two days
    docs = [StoryDoc(i, vectors[i], start_day + timedelta(days=float(days[i]))) for i in range(n)]
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    grouping = group_stories(docs, {})
    stories_s = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    s = score_clustering(dict(enumerate(pick.tolist())), grouping.assignments)
    print(f"\n## Clustering {n:,} documents ({events:,} synthetic events, {dim} dims)")
    print(
        f"stories: {stories_s:.1f} s, {len(grouping.stories):,} stories, pairwise F1 {s.pairwise.f1:.3f}, "
        f"traced peak {peak / 2**20:.0f} MiB"
    )
    topics = rng.standard_normal((40, 384)).astype(np.float32)
    topic_of = {story: rng.integers(0, 40) for story in grouping.stories}
    trend_docs = []
    for i, doc in enumerate(docs):
        story = grouping.assignments[i]
        v = topics[topic_of[story]] + 0.8 * rng.standard_normal(384).astype(np.float32) / np.sqrt(384)
        trend_docs.append(TrendDoc(i, story, doc.published, f"s{i % 50}", "t", "x", v / np.linalg.norm(v)))
    tracemalloc.start()
    started = time.perf_counter()
    trends = build_trends("bench", trend_docs, [], date(2026, 10, 27), stories=grouping.stories)
    trends_s = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"trends (180 days, {len(grouping.stories):,} stories): {trends_s:.1f} s, {len(trends)} trends, "
        f"traced peak {peak / 2**20:.0f} MiB"
    )
    print(f"process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reuters", type=Path, default=REUTERS_DEFAULT)
    parser.add_argument("--news-aggregator", type=Path, help="UCI News Aggregator newsCorpora.csv")
    parser.add_argument("--news-rows", type=int, default=1152, help="its first rows (default 1152)")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-stories", action="store_true")
    args = parser.parse_args()
    sets: dict[str, tuple] = {}
    if (CORPORA / "events").is_dir():
        sets["ECB+ articles (events; trends against its topics)"] = labelled_events("ecbplus")
        sets["Gun Violence Corpus articles (train and dev events)"] = labelled_events("gvc")
    else:
        print(f"skipped ECB+ and the Gun Violence Corpus: {CORPORA / 'events'} is absent")
    if (args.reuters / "acq").is_dir():
        sets["Reuters articles (events labelled by hand)"] = reuters(args.reuters)
    else:
        print(f"skipped Reuters stories: no texts in {args.reuters} (see the module docstring)")
    if args.news_aggregator:
        sets["UCI News Aggregator headlines (the aggregator's stories)"] = news_aggregator(
            args.news_aggregator, args.news_rows
        )
    if not args.skip_stories:
        ours = {name: story_quality(name, *labelled) for name, labelled in sets.items()}
        if (CORPORA / "events").is_dir():
            mixes(*labelled_events("ecbplus")[:2])
        if len(sets) > 1:
            one_setting({name: labelled[:2] for name, labelled in sets.items()}, ours)
    if not args.skip_speed:
        if CORPORA.is_dir():
            embedding_speed()
        else:
            print(f"skipped embedding speed: {CORPORA} is absent")
    if not args.skip_scale:
        scale()


if __name__ == "__main__":
    main()
