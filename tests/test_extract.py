"""Article extraction: metadata from our own page, and the quality gate on the AEB corpus."""

from __future__ import annotations

import collections
import gzip
import json
import re
from pathlib import Path

import pytest

from ingest.extract import detect_language, extract_page

PAGE = b"""<!DOCTYPE html><html lang="de-DE"><head><meta charset="utf-8">
<title>Seite | Textilnachrichten</title>
<meta property="og:title" content="Neue Recyclinganlage in Valmark">
<meta name="author" content="Jana Weber">
<meta property="article:published_time" content="2026-10-14T08:00:00+02:00">
<meta property="og:site_name" content="Textilnachrichten">
</head><body><nav><a href="/">Start</a> <a href="/themen">Themen</a></nav>
<article><h1>Neue Recyclinganlage in Valmark</h1>
<p>Die Nordweave Fibres GmbH hat in Valmark eine Anlage er\xc3\xb6ffnet, die j\xc3\xa4hrlich 12.000 Tonnen
gebrauchter Polyesterkleidung zu neuem Garn verarbeitet. Das Unternehmen investierte 48 Millionen Euro.</p>
<p>Die Textilien kommen aus Sammelstellen in drei Regionen, werden zerkleinert, chemisch zerlegt und neu
versponnen. Abnehmer sind Hersteller von Arbeitskleidung im Cluster, die den Rezyklatanteil erh\xc3\xb6hen wollen.</p>
</article><footer>Impressum | Datenschutz</footer></body></html>"""


def test_extract_page_text_and_metadata() -> None:
    ex = extract_page(PAGE, "https://news.example.de/recycling")
    assert ex is not None
    assert ex.text.startswith("Die Nordweave Fibres GmbH hat in Valmark eine Anlage eröffnet")
    assert "Impressum" not in ex.text and "Themen" not in ex.text
    assert (ex.title, ex.author, ex.date, ex.sitename, ex.page_language) == (
        "Neue Recyclinganlage in Valmark",
        "Jana Weber",
        "2026-10-14T08:00:00+02:00",
        "Textilnachrichten",
        "de-DE",
    )
    assert detect_language(ex.text, ex.page_language) == "de"


def test_no_article_text() -> None:
    assert extract_page(b"<html><body></body></html>") is None


def test_language_of_short_text_falls_back_to_declared() -> None:
    assert detect_language("Kurz.", "de-AT") == "de"
    assert detect_language("Kurz.", None) is None
    assert detect_language("The port of Hallsund opens a digital twin for berth planning and trucks.") == "en"


# --- quality gate ----------------------------------------------------------------------------------

# trafilatura 2.3.1 alone scores 0.960 on this corpus with this metric; our path must not cost more
# than half a point (the floor leaves that much room for library updates, the metric is deterministic).
AEB_F1_FLOOR = 0.955
_TOKEN = re.compile(r"\w+")


def _shingles(text: str, n: int = 4) -> collections.Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text)
    return collections.Counter(tuple(tokens[i : i + n]) for i in range(max(0, len(tokens) - n + 1)))


def aeb_score(predictions: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    """The AEB method: per-page precision and recall over 4-token shingle multisets, averaged; F1 of the averages."""
    precisions, recalls = [], []
    for key, truth in gold.items():
        pred, true = _shingles(predictions.get(key, "")), _shingles(truth)
        overlap = sum((pred & true).values())
        precisions.append(overlap / sum(pred.values()) if pred else (1.0 if not true else 0.0))
        recalls.append(overlap / sum(true.values()) if true else 1.0)
    p, r = sum(precisions) / len(precisions), sum(recalls) / len(recalls)
    return p, r, 2 * p * r / (p + r)


@pytest.mark.corpus
@pytest.mark.slow  # every page of the corpus
def test_extraction_quality_gate_on_aeb(corpora: Path) -> None:
    root = corpora / "articles" / "aeb"
    gold = {k: v["articleBody"] for k, v in json.loads((root / "ground-truth.json").read_text()).items()}
    predictions = {}
    for key in gold:
        extracted = extract_page(gzip.decompress((root / "html" / f"{key}.html.gz").read_bytes()))
        predictions[key] = extracted.text if extracted else ""
    p, r, f1 = aeb_score(predictions, gold)
    print(f"AEB on {len(gold)} pages: precision {p:.3f} recall {r:.3f} F1 {f1:.3f}")
    assert f1 >= AEB_F1_FLOOR, f"F1 {f1:.4f} below the floor {AEB_F1_FLOOR} (P {p:.4f}, R {r:.4f})"


def test_the_package_declares_what_the_fallback_extractor_imports() -> None:
    """trafilatura falls back to justext, which needs lxml_html_clean: a fresh install must have it."""
    from importlib.metadata import requires

    from packaging.requirements import Requirement

    lxml = [r for r in map(Requirement, requires("trendpapers") or []) if r.name == "lxml" and not r.marker]
    assert lxml and "html_clean" in lxml[0].extras
    import justext  # noqa: F401  (fails without lxml_html_clean)
