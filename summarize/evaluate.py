"""``trendpapers eval``: the analysis run on JSONL corpora, with the pipeline's code and defaults.

Stories: the articles are stored as documents in a temporary store and grouped by the pipeline's own
loop (``group_pending``). Trends: those stories clustered by the pipeline's trend code. Summaries:
``summarize`` with the pipeline's settings and the word budget given. Scores: ``summarize.score``.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ingest import patentstore
from ingest import store as ingest_store
from ingest.errors import InputError
from ingest.migrations import apply_migrations
from ingest.records import Document, Item
from ingest.wording import plural
from summarize import store
from summarize.abstractive import Rewriter, rewrite_summary
from summarize.analyze import AnalysisSettings, group_pending
from summarize.embed import Embedder
from summarize.score import ClusteringScores, rouge_recall, score_clustering, truncate_words
from summarize.summarizer import SourceDoc, summarize
from summarize.trends import TrendDoc, build_trends


def read_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed value) for each non-blank line; InputError lists every unreadable line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read: {exc}") from exc
    parsed, problems = [], []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            parsed.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            problems.append(f"{path}:{number}: not JSON: {exc.msg}")
    if problems:
        raise InputError("\n".join(problems))
    return iter(parsed)


def write_jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


@dataclass(frozen=True)
class _Article:
    id: Any
    title: str
    text: str
    when: datetime | None


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _date(value: Any) -> datetime | None:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def read_articles(path: Path) -> list[_Article]:
    """Lines ``{"id", "title", "text", "published"}`` (title and published may be null or absent);
    every problem is reported at once."""
    articles, problems, seen = [], [], set()
    for number, row in read_jsonl(path):
        where = f"{path}:{number}"
        if not isinstance(row, dict) or not {"id", "text"} <= set(row):
            problems.append(f"{where}: needs an object with id and text (title and published may be null)")
            continue
        if not isinstance(row["id"], str | int) or isinstance(row["id"], bool) or row["id"] in seen:
            problems.append(f"{where}: id must be a string or integer, unique in the file")
            continue
        if not _text(row["text"]) or not (row.get("title") is None or _text(row["title"])):
            problems.append(f"{where}: text must be a string, and title a string or null")
            continue
        published = row.get("published")
        try:
            when = _date(published) if published is not None else None
        except (AttributeError, ValueError):
            problems.append(f"{where}: published must be an ISO 8601 date or null, not {published!r}")
            continue
        seen.add(row["id"])
        articles.append(_Article(row["id"], row.get("title") or "", row["text"], when))
    if problems:
        raise InputError("\n".join(problems))
    return articles


@contextmanager
def _grouped(
    articles: Sequence[_Article], embedder: Embedder, settings: AnalysisSettings
) -> Iterator[tuple[sa.Engine, dict[str, int]]]:
    """A temporary store holding the articles as documents, grouped into stories by the pipeline's
    own loop (``group_pending``: its batches, document frequencies and story rules).

    Yields the engine and a map from each article's key (its id as JSON, so 1 and "1" stay apart)
    to its document id.
    """
    with tempfile.TemporaryDirectory(prefix="trendpapers-eval-") as folder:
        engine = sa.create_engine(f"sqlite:///{Path(folder) / 'eval.db'}")
        try:
            apply_migrations(engine, [*ingest_store.MIGRATIONS, *patentstore.MIGRATIONS, *store.MIGRATIONS])
            now = datetime.now(UTC)
            keys = {_key(a): a for a in articles}
            with engine.begin() as conn:
                source = ingest_store.ensure_source(conn, "eval", "news")
                ingest_store.insert_items(
                    conn,
                    source,
                    [
                        Item(k, None, None, None, a.title, "", a.text, None, a.when, None)
                        for k, a in keys.items()
                    ],
                    now,
                )
                ids = ingest_store.item_ids(conn, source, list(keys))
                for key, item_id in ids.items():
                    a = keys[key]
                    doc = Document(item_id, "ok", None, None, a.title, a.text, None, a.when, None, None, None)
                    ingest_store.save_document(conn, doc, minhash=None, now=now)
            group_pending(engine, embedder, settings)
            yield engine, ids
        finally:
            engine.dispose()


def _key(article: _Article) -> str:
    return json.dumps(article.id)


def eval_stories(
    articles: Sequence[_Article], embedder: Embedder, settings: AnalysisSettings
) -> list[dict[str, Any]]:
    """``{"id", "story"}`` for every article, in input order."""
    if not articles:
        return []
    with _grouped(articles, embedder, settings) as (engine, ids), engine.connect() as conn:
        story = store.story_members_by_item(conn)
    return [{"id": a.id, "story": story[ids[_key(a)]]} for a in articles]


def eval_trends(
    articles: Sequence[_Article], embedder: Embedder, settings: AnalysisSettings
) -> list[dict[str, Any]]:
    """``{"id", "story", "trend"}`` for every article, in input order.

    The articles are grouped into stories as by ``eval_stories``; then the pipeline's trend code
    (``build_trends``) clusters those stories with every article in one industry and one window
    (ending on the latest date; undated articles fall on it). Every story counts, however small
    (``min_documents`` 1): the evaluation scores the grouping, not the cut-off for small trends.
    """
    if not articles:
        return []
    dated = [a.when for a in articles if a.when is not None]
    last = max(dated) if dated else datetime.now(UTC)
    first = min(dated) if dated else last
    window = (last.date() - first.date()).days + 1
    trend_settings = replace(settings.trends, window_days=window, min_documents=1)
    with _grouped(articles, embedder, settings) as (engine, ids), engine.connect() as conn:
        story = store.story_members_by_item(conn)
        vectors = store.load_embeddings(conn, embedder.model_id, list(ids.values()))
        stories = store.stories_by_id(conn, list(set(story.values())))
    docs = [
        TrendDoc(
            ids[_key(a)], story[ids[_key(a)]], a.when or last, "eval", a.title, a.text, vectors[ids[_key(a)]]
        )
        for a in articles
    ]
    found = build_trends(
        "eval", docs, [], last.date(), trend_settings, stories=stories, story_weights=settings.stories.weights
    )
    trend_of = {d: t.trend_id for t in found for d in t.doc_ids}
    return [{"id": a.id, "story": story[ids[_key(a)]], "trend": trend_of[ids[_key(a)]]} for a in articles]


def eval_summaries(
    path: Path, max_words: int, settings: AnalysisSettings, rewriter: Rewriter | None = None
) -> list[dict[str, Any]]:
    """``{"cluster_id", "summary", "sentences": [{"text", "source_id"}]}`` per input cluster."""
    clusters, problems = [], []
    for number, row in read_jsonl(path):
        docs = row.get("documents") if isinstance(row, dict) else None
        if "cluster_id" not in (row if isinstance(row, dict) else {}) or not isinstance(docs, list):
            problems.append(f"{path}:{number}: needs an object with cluster_id and a documents list")
            continue
        # As for stories: an untitled document is ordinary (a title may be null or left out).
        if not all(
            isinstance(d, dict)
            and "id" in d
            and isinstance(d.get("text"), str)
            and isinstance(d.get("title"), str | None)
            for d in docs
        ):
            problems.append(f"{path}:{number}: every document needs an id and a text (and a title or none)")
            continue
        clusters.append(
            (row["cluster_id"], [SourceDoc(d["id"], d.get("title") or "", d["text"]) for d in docs])
        )
    if problems:
        raise InputError("\n".join(problems))
    summary_settings = replace(settings.summary, max_words=max_words)
    out = []
    for cluster_id, docs in clusters:
        summary = summarize(docs, summary_settings)
        if rewriter is not None:
            summary = rewrite_summary(summary, docs, rewriter)
        out.append(
            {
                "cluster_id": cluster_id,
                "summary": summary.text,
                "sentences": [{"text": s.text, "source_id": s.source_id} for s in summary.sentences],
            }
        )
    return out


def score_stories(
    gold_path: Path, predicted_path: Path, gold_field: str = "story", field: str = "story"
) -> ClusteringScores:
    """Gold lines ``{"id", gold_field}`` and predicted lines ``{"id", field}`` over the same ids: a
    labelled corpus scores as it is (``gold_field="event"``), and ``eval trends`` output by its
    ``trend`` against a corpus's ``topic``."""

    def labels(path: Path, key: str) -> dict[Any, Any]:
        out = {}
        for number, row in read_jsonl(path):
            if not isinstance(row, dict) or "id" not in row or key not in row:
                raise InputError(f"{path}:{number}: needs an object with id and {key}")
            if not isinstance(row[key], str | int | float):  # a label names one group
                raise InputError(f"{path}:{number}: {key} must be a string or a number, not {row[key]!r}")
            out[row["id"]] = row[key]
        return out

    try:
        return score_clustering(labels(gold_path, gold_field), labels(predicted_path, field))
    except ValueError as exc:
        raise InputError(f"{predicted_path}: {exc}") from exc


@dataclass(frozen=True)
class RougeScores:
    clusters: int
    rouge1: float  # mean recall over clusters
    rouge2: float


def score_summaries(references_path: Path, predicted_path: Path, max_words: int) -> RougeScores:
    """Mean ROUGE recall; references are lines ``{"cluster_id", "references": [text, ...]}``."""
    references: dict[Any, list[str]] = {}
    for number, row in read_jsonl(references_path):
        refs = row.get("references") if isinstance(row, dict) else None
        if (
            not isinstance(row, dict)
            or "cluster_id" not in row
            or not isinstance(refs, list)
            or not refs
            or not all(isinstance(r, str) for r in refs)
        ):
            raise InputError(f"{references_path}:{number}: needs cluster_id and a non-empty references list")
        references[row["cluster_id"]] = refs
    predicted = {}
    for number, row in read_jsonl(predicted_path):
        if not isinstance(row, dict) or "cluster_id" not in row:
            raise InputError(f"{predicted_path}:{number}: needs an object with cluster_id and summary")
        predicted[row["cluster_id"]] = str(row.get("summary", ""))
    missing = sorted(map(str, set(references) - set(predicted)))
    if missing:
        raise InputError(
            f"{predicted_path}: no summary for {plural(len(missing), 'cluster')}, e.g. {missing[:3]}"
        )
    texts = {c: truncate_words(predicted[c], max_words) for c in references}
    r1 = [rouge_recall(texts[c], refs, 1) for c, refs in references.items()]
    r2 = [rouge_recall(texts[c], refs, 2) for c, refs in references.items()]
    n = len(references)
    return RougeScores(n, sum(r1) / n if n else 0.0, sum(r2) / n if n else 0.0)
