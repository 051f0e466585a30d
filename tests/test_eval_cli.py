"""``trendpapers eval``: stories and summaries on JSONL files, and their scores, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli

DATA = Path(__file__).parent / "data" / "analysis"


def run(*args: str) -> tuple[int, str]:
    return run_cli("-c", "/nonexistent/trendpapers.toml", *args)


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_eval_stories_groups_the_events_and_scores_them(tmp_path: Path) -> None:
    out = tmp_path / "stories.jsonl"
    code, text = run("eval", "stories", str(DATA / "stories.jsonl"), "-o", str(out))
    assert code == 0, text
    rows = _lines(out)
    assert [r["id"] for r in rows] == ["s1", "s2", "s3", "s4", "s5", "s6"]  # every id once, in order
    code, text = run("eval", "score", "stories", str(DATA / "stories-gold.jsonl"), str(out))
    assert code == 0
    assert "pairwise  precision 1.0000 recall 1.0000 f1 1.0000" in text
    assert "adjusted_rand 1.0000" in text


def _partition(rows: list[dict], key: str) -> set[frozenset[str]]:
    groups: dict = {}
    for r in rows:
        groups.setdefault(r[key], set()).add(r["id"])
    return {frozenset(g) for g in groups.values()}


def test_eval_trends_groups_stories_into_trends_whatever_the_order_and_without_titles(
    tmp_path: Path,
) -> None:
    out = tmp_path / "trends.jsonl"
    code, text = run("eval", "trends", str(DATA / "stories.jsonl"), "-o", str(out))
    assert code == 0, text
    rows = _lines(out)
    assert [r["id"] for r in rows] == ["s1", "s2", "s3", "s4", "s5", "s6"]
    stories = _partition(rows, "story")
    assert stories == {frozenset({"s1", "s2", "s3"}), frozenset({"s4", "s5"}), frozenset({"s6"})}
    for group in _partition(rows, "trend"):  # a trend is made of whole stories
        assert all(story <= group or not story & group for story in stories)
    trend = {r["id"]: r["trend"] for r in rows}
    assert trend["s1"] != trend["s6"]  # a dock strike and an ECG patch are no common theme

    # Untitled, undated and in another order: the same stories.
    lines = [json.loads(line) for line in (DATA / "stories.jsonl").read_text().splitlines()]
    for line in lines[::2]:
        line["title"] = None
    for line in lines:
        line["published"] = None
    shuffled = tmp_path / "shuffled.jsonl"
    shuffled.write_text("".join(json.dumps(line) + "\n" for line in reversed(lines)))
    again = tmp_path / "again.jsonl"
    code, text = run("eval", "trends", str(shuffled), "-o", str(again))
    assert code == 0, text
    assert _partition(_lines(again), "story") == stories


def test_eval_summarize_cites_every_sentence(tmp_path: Path) -> None:
    out = tmp_path / "summaries.jsonl"
    code, text = run("eval", "summarize", str(DATA / "clusters.jsonl"), "--max-words", "40", "-o", str(out))
    assert code == 0, text
    rows = {r["cluster_id"]: r for r in _lines(out)}
    assert set(rows) == {"port-strike", "single"}
    sources = {d["id"]: d["text"] for line in _lines(DATA / "clusters.jsonl") for d in line["documents"]}
    for row in rows.values():
        assert len(row["summary"].split()) <= 40
        assert row["summary"] == " ".join(s["text"] for s in row["sentences"])
        assert all(s["text"] in sources[s["source_id"]] for s in row["sentences"])

    refs = tmp_path / "refs.jsonl"
    refs.write_text(
        json.dumps(
            {
                "cluster_id": "port-strike",
                "references": ["Dock workers at Hallsund strike over night-shift pay."],
            }
        )
        + "\n"
        + json.dumps({"cluster_id": "single", "references": ["Valmark Weaving installed a solar roof."]})
        + "\n"
    )
    code, text = run("eval", "score", "summaries", str(refs), str(out))
    assert code == 0 and "clusters 2" in text and "rouge2_recall" in text


def test_eval_summarize_takes_untitled_documents_and_names_a_bad_line(tmp_path: Path) -> None:
    clusters = [json.loads(line) for line in (DATA / "clusters.jsonl").read_text().splitlines()]
    for cluster in clusters:
        for n, doc in enumerate(cluster["documents"]):
            if n % 2:
                del doc["title"]
            else:
                doc["title"] = None
    untitled = tmp_path / "untitled.jsonl"
    untitled.write_text("".join(json.dumps(c) + "\n" for c in clusters))
    titled, out = tmp_path / "titled.jsonl", tmp_path / "out.jsonl"
    assert run("eval", "summarize", str(DATA / "clusters.jsonl"), "-o", str(titled))[0] == 0
    code, text = run("eval", "summarize", str(untitled), "-o", str(out))
    assert code == 0, text
    assert _lines(out) == _lines(titled)  # a title takes no part in the summary
    clusters[0]["documents"][0]["text"] = None
    untitled.write_text("".join(json.dumps(c) + "\n" for c in clusters))
    code, text = run("eval", "summarize", str(untitled), "-o", str(out))
    assert code == 2 and f"{untitled}:1: every document needs an id and a text" in text


def _refused(path: Path, *lines: str) -> str:
    """What ``eval stories`` says of a corpus of these lines, which it must refuse with exit 2."""
    path.write_text("".join(f"{line}\n" for line in lines))
    code, text = run("eval", "stories", str(path), "-o", str(path.with_suffix(".out")))
    assert code == 2
    return text


def test_bad_input_names_every_line_and_exits_2(tmp_path: Path) -> None:
    corpus = tmp_path / "bad.jsonl"
    text = _refused(
        corpus,
        '{"id": "a", "title": "T", "text": "x", "published": "yesterday"}',
        "not json",
        '{"id": "b", "title": 3, "text": "x"}',
    )
    assert f"{corpus}:2: not JSON" in text
    fields = tmp_path / "fields.jsonl"
    text = _refused(
        fields,
        '{"id": "b", "title": 3, "text": "x"}',
        '{"id": "c", "title": null, "text": "an untitled item is ordinary", "published": null}',
        '{"id": "d", "text": "no title at all"}',
        '{"id": "e", "title": "T", "text": "x", "published": "yesterday"}',
    )
    assert f"{fields}:1: text must be a string, and title a string or null" in text
    assert f"{fields}:4: published must be an ISO 8601 date or null" in text
    assert f"{fields}:2" not in text and f"{fields}:3" not in text
    code, text = run("eval", "summarize", str(corpus), "-o", str(tmp_path / "out.jsonl"))
    assert code == 2 and f"{corpus}:2" in text


def test_scoring_refuses_predictions_that_miss_ids(tmp_path: Path) -> None:
    predicted = tmp_path / "pred.jsonl"
    predicted.write_text('{"id": "s1", "story": 1}\n')
    code, text = run("eval", "score", "stories", str(DATA / "stories-gold.jsonl"), str(predicted))
    assert code == 2 and "5 missing from the prediction" in text


def test_a_labelled_corpus_scores_as_it_is_and_trends_against_its_topics(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        '{"id": 1, "event": "a", "topic": "t"}\n{"id": 2, "event": "b", "topic": "t"}\n'
        '{"id": 3, "event": "c", "topic": "u"}\n'
    )
    predicted = tmp_path / "pred.jsonl"
    predicted.write_text(
        '{"id": 1, "story": 1, "trend": 7}\n{"id": 2, "story": 1, "trend": 7}\n{"id": 3, "story": 2, "trend": 8}\n'
    )
    code, text = run("eval", "score", "stories", str(corpus), str(predicted), "--gold-field", "event")
    assert code == 0 and "pairwise  precision 0.0000" in text  # 1 and 2 are two events
    args = (
        "eval",
        "score",
        "stories",
        str(corpus),
        str(predicted),
        "--gold-field",
        "topic",
        "--field",
        "trend",
    )
    code, text = run(*args)
    assert code == 0 and "pairwise  precision 1.0000 recall 1.0000 f1 1.0000" in text
    code, text = run("eval", "score", "stories", str(corpus), str(predicted))
    assert code == 2 and f"{corpus}:1: needs an object with id and story" in text
    corpus.write_text('{"id": 1, "topic": ["t", "u"]}\n{"id": 2, "topic": null}\n{"id": 3, "topic": "u"}\n')
    code, text = run(*args)
    assert code == 2 and f"{corpus}:1: topic must be a string or a number, not ['t', 'u']" in text
