"""``trendpapers eval``: stories and summaries on JSONL files, and their scores, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from trendpapers.cli import cli

DATA = Path(__file__).parent / "data" / "analysis"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-c", "/nonexistent/trendpapers.toml", *args], catch_exceptions=False)
    return result.exit_code, result.output


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


def test_bad_input_names_every_line_and_exits_2(tmp_path: Path) -> None:
    corpus = tmp_path / "bad.jsonl"
    corpus.write_text(
        '{"id": "a", "title": "T", "text": "x", "published": "yesterday"}\n'
        "not json\n"
        '{"id": "b", "title": 3, "text": "x"}\n'
    )
    code, text = run("eval", "stories", str(corpus), "-o", str(tmp_path / "out.jsonl"))
    assert code == 2
    assert f"{corpus}:2: not JSON" in text
    code, text = run("eval", "summarize", str(corpus), "-o", str(tmp_path / "out.jsonl"))
    assert code == 2 and f"{corpus}:2" in text


def test_scoring_refuses_predictions_that_miss_ids(tmp_path: Path) -> None:
    predicted = tmp_path / "pred.jsonl"
    predicted.write_text('{"id": "s1", "story": 1}\n')
    code, text = run("eval", "score", "stories", str(DATA / "stories-gold.jsonl"), str(predicted))
    assert code == 2 and "5 missing from the prediction" in text
