"""The built site, hardened and checked: what content may not do, and a Content-Security-Policy.

Content (the Markdown of papers and generated pages) is the ``<article>`` of each page. It may
hold no script, frame, form, object or style element; nothing anywhere may carry an inline event
handler or a ``javascript:`` URL, or load anything from another host (no CDN, no web fonts).
Every page gets a CSP meta tag that allows scripts from the site itself plus the theme's own
inline scripts by hash, and external links get ``rel="noopener nofollow"``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html

_CONTENT_FORBIDDEN = {
    "script",
    "iframe",
    "frame",
    "object",
    "embed",
    "form",
    "input",
    "style",
    "base",
    "meta",
    "link",
}
_LOADS = {
    "script": "src",
    "img": "src",
    "iframe": "src",
    "source": "src",
    "video": "src",
    "audio": "src",
    "track": "src",
    "embed": "src",
    "object": "data",
    "link": "href",
    "use": "href",
    "image": "href",  # SVG inside a page (lxml lower-cases the tag names)
    "feimage": "href",
}
# More attributes that make a browser load what they name, on any element.
_ALSO_LOADS = ("poster", "xlink:href", "background")
_SVG_ANIMATIONS = {"animate", "set", "animatemotion", "animatetransform"}
_URL_ATTRIBUTES = ("href", "src", "action", "formaction", "data", "xlink:href", "poster")
_BAD_SCHEMES = ("javascript:", "vbscript:", "data:text", "data:application")
_CSS_REMOTE = re.compile(r"(@import|url\()\s*['\"]?\s*(https?:)?//", re.I)


def _elsewhere(url: str, own_host: str | None) -> bool:
    """Whether ``url`` points to another host (relative URLs and data: images stay here)."""
    parts = urlsplit(url.strip())
    if parts.netloc:
        return parts.netloc != own_host
    return parts.scheme not in ("", "http", "https", "data")


def _csp(script_hashes: list[str]) -> str:
    scripts = " ".join(["'self'", *(f"'sha256-{h}'" for h in script_hashes)])
    return (
        "default-src 'self'; "
        f"script-src {scripts}; "
        "style-src 'self' 'unsafe-inline'; "  # the theme sets styles from its scripts
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'"
    )


def check_page(doc: lxml.html.HtmlElement, name: str, own_host: str | None = None) -> list[str]:
    """What in this page breaks the rules, one line per finding."""
    problems = []
    for article in doc.iter("article"):
        for el in article.iter(*_CONTENT_FORBIDDEN):
            problems.append(f"{name}: a <{el.tag}> element in the content")
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        for attribute, value in el.attrib.items():
            if attribute.lower().startswith("on"):
                problems.append(f"{name}: an inline event handler {attribute}= on <{el.tag}>")
            elif attribute in _URL_ATTRIBUTES and re.sub(r"\s", "", value).lower().startswith(_BAD_SCHEMES):
                problems.append(f"{name}: a {value[:40]!r} URL in {attribute}= of <{el.tag}>")
        attribute = _LOADS.get(el.tag)
        rel = (el.get("rel") or "").split()
        urls = [el.get(a) for a in _ALSO_LOADS]
        if attribute and not (el.tag == "link" and ("alternate" in rel or "canonical" in rel)):
            urls.append(el.get(attribute))
        for candidate in (el.get("srcset") or "").split(","):  # "a.png 1x, https://x/b.png 2x"
            urls.append(candidate.strip().split(" ")[0] if candidate.strip() else None)
        for url in urls:
            if url and _elsewhere(url, own_host):
                problems.append(f"{name}: <{el.tag}> loads {url!r} from another host")
        if _CSS_REMOTE.search(el.get("style") or ""):
            problems.append(f"{name}: a style= on <{el.tag}> loads from another host")
        if el.tag in _SVG_ANIMATIONS:
            for key in ("to", "from", "values", "by"):
                if re.sub(r"\s", "", el.get(key) or "").lower().startswith(_BAD_SCHEMES):
                    problems.append(f"{name}: <{el.tag}> sets a {el.get(key, '')[:40]!r} URL")
        if el.tag in ("iframe", "frame") and el.get("srcdoc") is not None:
            problems.append(f"{name}: an <{el.tag} srcdoc>")
    return problems


def content_problems(html: str, own_url: str | None = None) -> list[str]:
    """What the site's build would refuse in a page's content (``html``, rendered from its Markdown),
    one line per finding: the rules of ``check_page``, before the build rather than after it
    (``own_url``: the site's address, from which a page may load; None: from nowhere else)."""
    if not html.strip():
        return []
    doc = lxml.html.document_fromstring(f"<html><body><article>{html}</article></body></html>")
    own_host = urlsplit(own_url).netloc if own_url else None
    return [problem.removeprefix(": ") for problem in check_page(doc, "", own_host)]


def harden_page(doc: lxml.html.HtmlElement, own_host: str | None) -> None:
    """Add the CSP meta tag (first in <head>), rel="noopener nofollow" on external links, and a name
    for the theme's dialogs."""
    hashes = []
    for script in doc.iter("script"):
        if script.get("src") is None and (script.get("type") or "text/javascript") in (
            "text/javascript",
            "module",
        ):
            digest = hashlib.sha256((script.text or "").encode("utf-8")).digest()
            hashes.append(base64.b64encode(digest).decode("ascii"))
    head = doc.find("head")
    if head is not None:
        meta = lxml.html.Element("meta", {"http-equiv": "Content-Security-Policy", "content": _csp(hashes)})
        head.insert(0, meta)
    for dialog in doc.xpath("//*[@role='dialog'][not(@aria-label)][not(@aria-labelledby)]"):
        # Material's search dialog has no accessible name (axe: aria-dialog-name); its input has one.
        label = dialog.xpath(".//input[@aria-label]/@aria-label")
        if label:
            dialog.set("aria-label", label[0])
    for a in doc.iter("a"):
        href = a.get("href") or ""
        host = urlsplit(href).netloc
        if host and host != own_host:
            a.set("rel", "noopener nofollow")


# Files a browser runs when opened on the site's origin: never copied through unchecked.
_RUNNABLE = {".htm", ".xhtml", ".xht", ".shtml", ".xsl", ".xslt", ".mht", ".mhtml", ".svgz"}
_SVG_FORBIDDEN = {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener"}
_LOADS_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.I)  # url(...) but to a #fragment of the file
_SVG_INLINE_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp);", re.I)


def svg_problems(data: bytes, name: str) -> list[str]:
    """Why an SVG file is not inert: scripts, event handlers, links or loads outside the file."""
    import lxml.etree

    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = lxml.etree.fromstring(data, parser)
    except lxml.etree.XMLSyntaxError as exc:
        return [f"{name}: not a well-formed SVG file ({exc})"]
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        return [f"{name}: an SVG file may not declare a DOCTYPE or entities"]
    problems = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            if isinstance(element, lxml.etree._ProcessingInstruction):
                problems.append(f"{name}: processing instruction <?{element.target}?>")
            continue
        tag = lxml.etree.QName(element).localname.lower()
        if tag in _SVG_FORBIDDEN:
            problems.append(f"{name}: <{tag}> is not allowed")
        if tag == "style" and _LOADS_URL.search(element.text or ""):
            problems.append(f"{name}: a stylesheet that loads url()")
        if tag in {"animate", "set"} and (element.get("attributeName") or "").endswith("href"):
            problems.append(f"{name}: <{tag}> may not change a link")
        for attribute, value in element.attrib.items():
            local = lxml.etree.QName(attribute).localname.lower()
            if local.startswith("on"):
                problems.append(f"{name}: event handler {local}")
            elif local == "href" and not (value.startswith("#") or _SVG_INLINE_IMAGE.match(value)):
                problems.append(
                    f"{name}: <{tag}> links to {value[:60]!r} (only #fragments and inline images)"
                )
            elif _LOADS_URL.search(value):
                problems.append(f"{name}: {local} loads url() from outside the file")
    return problems


def check_and_harden(
    site: Path, own_url: str | None = None, done: dict[Path, int] | None = None
) -> list[str]:
    """Harden the HTML pages of a built site in place; returns every rule broken. ``done`` maps pages
    an earlier build hardened to their modification times: those, if untouched, are skipped."""
    own_host = urlsplit(own_url).netloc if own_url else None
    problems: list[str] = []
    done = done or {}
    for path in sorted(site.rglob("*.html")):
        if done.get(path) == path.stat().st_mtime_ns:
            continue
        name = path.relative_to(site).as_posix()
        doc = lxml.html.document_fromstring(path.read_bytes())
        problems += check_page(doc, name, own_host)
        harden_page(doc, own_host)
        html = lxml.html.tostring(doc, doctype="<!doctype html>", encoding="unicode", method="html")
        path.write_text(html, encoding="utf-8")
    for path in sorted(site.rglob("*")):
        name = path.relative_to(site).as_posix()
        if path.suffix.lower() in _RUNNABLE:
            problems.append(f"{name}: a browser would run this file type; write pages as Markdown")
        elif path.suffix.lower() == ".svg" and path.is_file():
            problems += svg_problems(path.read_bytes(), name)
    for path in sorted(site.rglob("*.css")):
        if _CSS_REMOTE.search(path.read_text(encoding="utf-8", errors="replace")):
            problems.append(f"{path.relative_to(site).as_posix()}: the stylesheet loads from another host")
    return problems
