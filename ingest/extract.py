"""Article page bytes → ``Extracted`` main text and metadata, with trafilatura; language detection.

trafilatura gets the bytes we fetched (it never fetches by itself) and decodes them with its
own charset detection. Its result object is converted here and goes no further.

Page metadata is read from the page's own ``<meta>`` tags rather than with trafilatura's
``with_metadata=True``: that extra pass (mostly date guessing) costs about 30% more time per
page, and the feed entry already gives us title, date and author; the page only fills gaps.
"""

from __future__ import annotations

from typing import Any

from ingest.records import Extracted

# Below this many characters a text is too short to tell its language reliably.
MIN_LANGUAGE_CHARS = 40

_META = {
    "title": ("og:title", "twitter:title"),
    "author": ("author", "article:author", "dc.creator", "parsely-author"),
    "date": ("article:published_time", "datepublished", "dc.date", "date", "pubdate", "og:updated_time"),
    "sitename": ("og:site_name", "application-name"),
    "language": ("content-language", "og:locale", "dc.language"),
}


def _page_meta(tree: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("http-equiv") or "").strip().lower()
        value = (meta.get("content") or "").strip()
        if not key or not value:
            continue
        for field, keys in _META.items():
            if key in keys and field not in found:
                found[field] = value
    if "title" not in found:
        title = tree.findtext(".//title")
        if title and title.strip():
            found["title"] = title.strip()
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    if lang:
        found["language"] = lang
    return found


def extract_page(data: bytes, url: str | None = None) -> Extracted | None:
    """Main text and metadata of an HTML page, or None if trafilatura finds no article text."""
    # Heavy imports (lxml, justext, ...) only in the processes that extract.
    import trafilatura
    from trafilatura.utils import load_html

    tree = load_html(data)
    if tree is None:
        return None
    meta = _page_meta(tree)  # before extraction, which prunes the tree
    # Reader comments are not the article; everything else keeps trafilatura's defaults,
    # which score best on the article-extraction benchmark (see tests/test_extract.py).
    doc = trafilatura.bare_extraction(tree, url=url, include_comments=False)
    text = (getattr(doc, "text", None) or "").strip()
    if not text:
        return None
    title = meta.get("title") or getattr(doc, "title", None) or None
    first, _, rest = text.partition("\n")
    if title and rest.strip() and first.strip().casefold() == title.casefold():
        text = rest.strip()  # the headline is the title, not the first sentence of the article
    return Extracted(
        title=title,
        text=text,
        author=meta.get("author"),
        date=meta.get("date"),
        sitename=meta.get("sitename"),
        page_language=meta.get("language"),
    )


def detect_language(text: str, declared: str | None = None) -> str | None:
    """ISO 639-1 code of ``text`` by py3langid; the declared language for very short texts."""
    sample = text[:1000]  # a thousand characters identify a language; more only costs time
    if len(sample.strip()) < MIN_LANGUAGE_CHARS:
        return declared.replace("_", "-").split("-")[0].lower() if declared else None
    import py3langid

    lang, _score = py3langid.classify(sample)
    return str(lang)
