"""``trendpapers eval``: the analysis run on JSONL corpora, with the pipeline's code and defaults.

Stories: the documents are embedded and grouped exactly as one pipeline batch on an empty store
(``story_docs`` + ``group_stories``). Summaries: ``summarize`` with the pipeline's settings and the
word budget given. Scores: ``summarize.score``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest.errors import InputError
from summarize.abstractive import Rewriter, rewrite_summary
from summarize.analyze import AnalysisSettings, story_docs
from summarize.embed import Embedder, document_text
from summarize.lexical import terms
from summarize.score import ClusteringScores, rouge_recall, score_clustering, truncate_words
from summarize.stories import group_stories
from summarize.summarizer import SourceDoc, summarize


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
    duplicate_of: None = None


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _date(value: Any) -> datetime | None:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def read_articles(path: Path) -> list[_Article]:
    """Lines ``{"id", "title", "text", "published"}``; every problem is reported at once."""
    articles, problems, seen = [], [], set()
    for number, row in read_jsonl(path):
        where = f"{path}:{number}"
        if not isinstance(row, dict) or not {"id", "title", "text"} <= set(row):
            problems.append(f"{where}: needs an object with id, title, text (and published, may be null)")
            continue
        if not isinstance(row["id"], str | int) or isinstance(row["id"], bool) or row["id"] in seen:
            problems.append(f"{where}: id must be a string or integer, unique in the file")
            continue
        if not _text(row["title"]) or not _text(row["text"]):
            problems.append(f"{where}: title and text must be strings")
            continue
        published = row.get("published")
        try:
            when = _date(published) if published is not None else None
        except (AttributeError, ValueError):
            problems.append(f"{where}: published must be an ISO 8601 date or null, not {published!r}")
            continue
        seen.add(row["id"])
        articles.append(_Article(row["id"], row["title"], row["text"], when))
    if problems:
        raise InputError("\n".join(problems))
    return articles


def eval_stories(
    articles: Sequence[_Article], embedder: Embedder, settings: AnalysisSettings
) -> list[dict[str, Any]]:
    """``{"id", "story"}`` for every article, in input order."""
    if not articles:
        return []
    texts = [document_text(a.title, a.text, settings.embed.lead_chars) for a in articles]
    vectors = embedder.embed(texts)
    counts = [terms(t) for t in texts]
    docs = story_docs(articles, {a.id: vectors[k] for k, a in enumerate(articles)}, counts, {}, 0, settings)
    grouping = group_stories(docs, {}, settings.stories)
    return [{"id": a.id, "story": grouping.assignments[a.id]} for a in articles]


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
        if not all(isinstance(d, dict) and {"id", "title", "text"} <= set(d) for d in docs):
            problems.append(f"{path}:{number}: every document needs id, title and text")
            continue
        clusters.append(
            (row["cluster_id"], [SourceDoc(d["id"], str(d["title"]), str(d["text"])) for d in docs])
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


def score_stories(gold_path: Path, predicted_path: Path) -> ClusteringScores:
    """Gold and predicted lines ``{"id", "story"}`` over the same ids."""

    def labels(path: Path) -> dict[Any, Any]:
        out = {}
        for number, row in read_jsonl(path):
            if not isinstance(row, dict) or "id" not in row or "story" not in row:
                raise InputError(f"{path}:{number}: needs an object with id and story")
            out[row["id"]] = row["story"]
        return out

    try:
        return score_clustering(labels(gold_path), labels(predicted_path))
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
        raise InputError(f"{predicted_path}: no summary for {len(missing)} cluster(s), e.g. {missing[:3]}")
    texts = {c: truncate_words(predicted[c], max_words) for c in references}
    r1 = [rouge_recall(texts[c], refs, 1) for c, refs in references.items()]
    r2 = [rouge_recall(texts[c], refs, 2) for c, refs in references.items()]
    n = len(references)
    return RougeScores(n, sum(r1) / n if n else 0.0, sum(r2) / n if n else 0.0)
