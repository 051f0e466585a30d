"""The built site's checks and hardening (``papers.sitecheck``) on hand-made pages: what content may not
do, the Content-Security-Policy every page gets, inert SVG files, and a site folder checked as a whole.
The same rules on pages MkDocs built are the slow ``test_site``'s subject."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import lxml.html
import pytest

from papers.sitecheck import check_and_harden, check_page, harden_page, svg_problems

SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">{}</svg>'


def _page(article: str, head: str = "", outside: str = "") -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(
        f"<html><head><title>t</title>{head}</head><body>{outside}<article>{article}</article></body></html>"
    )


@pytest.mark.parametrize(
    ("article", "problem"),
    [
        ("<script>alert('editor')</script>", "p.html: a <script> element in the content"),
        ('<form action="/x"><input name="q"></form>', "p.html: a <form> element in the content"),
        ("<style>p { color: red }</style>", "p.html: a <style> element in the content"),
        (
            '<img src="https://cdn.example.org/x.png" alt="x">',
            "p.html: <img> loads 'https://cdn.example.org/x.png'",
        ),
        ('<img src="//cdn.example.org/x.png" alt="x">', "p.html: <img> loads '//cdn.example.org/x.png'"),
        (
            '<img src="a.png" srcset="a.png 1x, https://t.example/b.png 2x" alt="x">',
            "loads 'https://t.example/b.png'",
        ),
        (
            '<video poster="https://t.example/p.jpg"></video>',
            "p.html: <video> loads 'https://t.example/p.jpg'",
        ),
        (
            '<p style="background: url(https://t.example/bg.png)">x</p>',
            "p.html: a style= on <p> loads from another host",
        ),
        (
            '<svg><image href="https://t.example/i.png"/></svg>',
            "p.html: <image> loads 'https://t.example/i.png'",
        ),
        (
            '<svg><filter><feImage href="//t.example/f.png"/></filter></svg>',
            "<feimage> loads '//t.example/f.png'",
        ),
        (
            '<svg><a><animate attributeName="href" to="javascript:alert(1)"/></a></svg>',
            "<animate> sets a 'javascript:alert(1)' URL",
        ),
        ('<a href=" java\nscript:alert(1)">x</a>', "p.html: a ' java\\nscript:alert(1)' URL in href= of <a>"),
        ('<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>', "p.html: an <iframe srcdoc>"),
        ('<p onmouseover="alert(1)">x</p>', "p.html: an inline event handler onmouseover= on <p>"),
    ],
)
def test_content_that_runs_or_loads_from_elsewhere_is_named(article: str, problem: str) -> None:
    problems = check_page(_page(article), "p.html", "cluster.example")
    assert any(problem in p for p in problems), problems


def test_what_the_site_itself_does_passes() -> None:
    theme = (
        '<link rel="stylesheet" href="assets/main.css"><script src="assets/bundle.js"></script>'
        '<link rel="alternate" type="application/atom+xml" href="https://cluster.example/feed.xml">'
        '<link rel="canonical" href="https://other.example/papers/">'
    )
    article = (
        '<img src="charts/textile-0001.svg" alt="chart"><img src="data:image/png;base64,AAAA" alt="dot">'
        '<img src="https://cluster.example/logo.png" alt="logo"><a href="https://news.example/a">source</a>'
        '<a href="#fn:doc-1">1</a>'
    )
    assert check_page(_page(article, head=theme), "p.html", "cluster.example") == []
    # Outside the article the theme's scripts are allowed; handlers and javascript: URLs are not.
    outside = '<nav onclick="go()"><a href="javascript:void(0)">menu</a></nav><script>theme()</script>'
    assert check_page(_page("", outside=outside), "p.html") == [
        "p.html: an inline event handler onclick= on <nav>",
        "p.html: a 'javascript:void(0)' URL in href= of <a>",
    ]


def test_every_page_gets_a_policy_that_allows_its_own_inline_scripts_and_external_links_open_safely() -> None:
    script = "window.theme = {search: true};"
    doc = _page(
        '<a href="https://news.example/a">news</a> <a href="https://cluster.example/x">ours</a> <a href="x/">x</a>',
        head=f'<script>{script}</script><script src="assets/b.js"></script><script type="application/json">{{}}</script>',
        outside='<div role="dialog"><input aria-label="Search"></div>',
    )
    harden_page(doc, "cluster.example")
    meta = doc.find("head")[0]
    assert meta.get("http-equiv") == "Content-Security-Policy"
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = meta.get("content")
    assert f"script-src 'self' 'sha256-{digest}';" in policy  # that script only: not the JSON, not the file
    assert "default-src 'self'" in policy and "object-src 'none'" in policy and policy.count("sha256-") == 1
    rels = {a.get("href"): a.get("rel") for a in doc.iter("a")}
    assert rels == {
        "https://news.example/a": "noopener nofollow",
        "https://cluster.example/x": None,
        "x/": None,
    }
    assert doc.xpath("//div[@role='dialog']/@aria-label") == ["Search"]


@pytest.mark.parametrize(
    ("inside", "problem"),
    [
        ("<script>alert(1)</script>", "<script> is not allowed"),
        ("<foreignObject><div>x</div></foreignObject>", "<foreignobject> is not allowed"),
        ('<rect onload="alert(1)"/>', "event handler onload"),
        ('<a href="https://t.example/"><text>x</text></a>', "<a> links to 'https://t.example/'"),
        ('<image xlink:href="//t.example/i.png"/>', "<image> links to '//t.example/i.png'"),
        ("<style>rect { fill: url(https://t.example/p.svg) }</style>", "a stylesheet that loads url()"),
        ('<rect style="fill: url(https://t.example/p.svg)"/>', "style loads url() from outside the file"),
        ('<a><set attributeName="href" to="https://t.example/"/></a>', "<set> may not change a link"),
    ],
)
def test_an_svg_file_that_is_not_inert_is_named(inside: str, problem: str) -> None:
    problems = svg_problems(SVG.format(inside).encode(), "chart.svg")
    assert any(p.startswith(f"chart.svg: {problem}") for p in problems), problems


def test_an_inert_svg_passes_and_a_broken_or_entity_declaring_one_does_not() -> None:
    inert = '<defs><linearGradient id="g"/></defs><rect fill="url(#g)"/><use href="#g"/><image href="data:image/png;base64,AAAA"/>'
    assert svg_problems(SVG.format(inert).encode(), "chart.svg") == []
    assert svg_problems(b"<svg><rect></svg>", "bad.svg")[0].startswith("bad.svg: not a well-formed SVG file")
    entities = b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>'
    assert svg_problems(entities, "e.svg") == ["e.svg: an SVG file may not declare a DOCTYPE or entities"]
    pi = SVG.format('<?xml-stylesheet href="https://t.example/s.css"?>').encode()
    assert svg_problems(pi, "pi.svg") == ["pi.svg: processing instruction <?xml-stylesheet?>"]


def test_a_built_site_is_hardened_in_place_and_every_problem_in_it_is_named(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "papers").mkdir(parents=True)
    page = site / "papers" / "index.html"
    page.write_text("<html><head><title>t</title></head><body><article><p>ok</p></article></body></html>")
    (site / "index.html").write_text(
        '<html><head></head><body><article><iframe src="x"></iframe></article></body></html>'
    )
    (site / "old.xhtml").write_text("<html/>")
    (site / "chart.svg").write_text(SVG.format("<script>alert(1)</script>"))
    (site / "theme.css").write_text("@import url(https://fonts.example/css);")
    problems = check_and_harden(site, "https://cluster.example/")
    assert problems == [
        "index.html: a <iframe> element in the content",
        "chart.svg: <script> is not allowed",
        "old.xhtml: a browser would run this file type; write pages as Markdown",
        "theme.css: the stylesheet loads from another host",
    ]
    hardened = page.read_text(encoding="utf-8")
    assert hardened.startswith("<!doctype html>") and hardened.count("Content-Security-Policy") == 1

    # Pages an earlier build hardened are skipped while untouched; a rewritten one is hardened again.
    done = {p: p.stat().st_mtime_ns for p in site.rglob("*.html")}
    (site / "index.html").write_text("<html><head></head><body><article>new</article></body></html>")
    os.utime(site / "index.html", ns=(1, 1))
    assert check_and_harden(site, None, done) == [
        "chart.svg: <script> is not allowed",
        "old.xhtml: a browser would run this file type; write pages as Markdown",
        "theme.css: the stylesheet loads from another host",
    ]
    assert page.read_text(encoding="utf-8") == hardened  # not hardened twice
    assert "Content-Security-Policy" in (site / "index.html").read_text(encoding="utf-8")
