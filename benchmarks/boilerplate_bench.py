"""The summary sentence filters on real pages: how many boilerplate sentences they catch, and how many
article sentences they wrongly drop.

    python benchmarks/boilerplate_bench.py

Pages: the 181 article pages of ``../shared/corpora/articles/aeb`` (the article-extraction benchmark,
with human-checked article bodies). Each page is read two ways: all its text, and the text our
extractor keeps (what the summarizer sees). Their sentence-like pieces (the summarizer's candidates:
6 to 55 words, ending like a sentence) are labelled *article* when they occur in the human article
body and *boilerplate* when not. ``is_boilerplate`` should flag the second kind and spare the first.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import lxml.html

from ingest.extract import extract_page
from summarize.summarizer import SummarySettings
from summarize.text import is_boilerplate, sentences

AEB = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "articles" / "aeb"
_BLOCKS = ("p", "div", "li", "h1", "h2", "h3", "h4", "td", "br", "section", "article", "footer", "header")


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _page_text(html: bytes) -> str:
    doc = lxml.html.fromstring(html)
    for bad in doc.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    for el in doc.iter(*_BLOCKS):
        el.tail = "\n" + (el.tail or "")
    return doc.text_content()


def _whole(html: bytes, url: str) -> str:
    return _page_text(html)


def _extracted(html: bytes, url: str) -> str:
    found = extract_page(html, url)
    return found.text if found else ""


def _pieces(text: str) -> list[str]:
    s = SummarySettings()
    return [
        x
        for x in sentences(text)
        if s.min_sentence_words <= len(x.split()) <= s.max_sentence_words and x[-1:] in ".!\"'”’)"
    ]


def main() -> None:
    truth = json.loads((AEB / "ground-truth.json").read_text(encoding="utf-8"))
    for label, read in (("whole page", _whole), ("extracted", _extracted)):
        counts = {"tp": 0, "fp": 0, "fn": 0, "article": 0, "boilerplate": 0}
        flagged_article: list[str] = []
        for key, gold in truth.items():
            html = gzip.decompress((AEB / "html" / f"{key}.html.gz").read_bytes())
            text = read(html, gold["url"])
            body = _norm(gold["articleBody"])
            for piece in _pieces(text):
                article = _norm(piece) in body
                flagged = is_boilerplate(piece)
                counts["article" if article else "boilerplate"] += 1
                if flagged and not article:
                    counts["tp"] += 1
                elif flagged:
                    counts["fp"] += 1
                    flagged_article.append(piece)
                elif not article:
                    counts["fn"] += 1
        precision = counts["tp"] / max(1, counts["tp"] + counts["fp"])
        recall = counts["tp"] / max(1, counts["boilerplate"])
        print(
            f"{label}: {counts['article']} article and {counts['boilerplate']} other sentences; flagged "
            f"{counts['tp'] + counts['fp']}: precision {precision:.3f}, recall {recall:.3f}; "
            f"article sentences dropped {counts['fp'] / max(1, counts['article']):.2%}"
        )
        for piece in flagged_article[:5]:
            print("   wrongly flagged:", piece[:120])


if __name__ == "__main__":
    main()
