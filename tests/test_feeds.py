"""Feed parsing on our fixtures (tests/data/feeds) and refusal of entity-declaring XML."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime

import pytest

from ingest.errors import FeedError, UnsafeXMLError
from ingest.feeds import html_to_text, parse_feed
from ingest.xmlsafety import refuse_entity_declarations
from tests.conftest import DATA

FETCHED = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def parse(name: str, url: str = "https://feeds.example.org/feed"):  # type: ignore[no-untyped-def]
    return parse_feed((DATA / "feeds" / name).read_bytes(), url=url, fetched_at=FETCHED)


def test_rss2_items_keys_dates_and_text() -> None:
    feed = parse("rss2.xml")
    assert feed.version == "rss20" and feed.title == "Weaving Weekly" and feed.warning is None
    keys = [i.key for i in feed.items]
    # The repeated entry appears once; the entry without GUID is keyed by its canonical link.
    assert keys == ["guid:ww-1001", "guid:ww-1002", "guid:ww-1003", "url:https://news.example.org/a/no-guid"]
    first = feed.items[0]
    assert first.title == "Loom maker doubles output of smart fabrics"
    assert first.summary == "The plant in Valmark now weaves sensor yarn.\nSecond paragraph."
    assert first.canonical_url == "https://news.example.org/a/loom-output"
    assert first.link.endswith("?utm_source=rss&utm_medium=feed")  # the link itself is kept as given
    assert first.published_at == datetime(2026, 11, 3, 7, 15, tzinfo=UTC)
    assert first.published_raw == "Tue, 03 Nov 2026 08:15:00 +0100"


def test_future_date_is_clamped_to_fetch_time_and_raw_kept() -> None:
    fair = parse("rss2.xml").items[2]
    assert fair.published_at == FETCHED and fair.date_clamped
    assert fair.published_raw == "Fri, 07 Mar 2031 09:00:00 GMT"


def test_atom_relative_links_html_content_sanitised() -> None:
    feed = parse("atom.xml")
    assert feed.version == "atom10"
    entry = feed.items[0]
    assert entry.key == "guid:tag:medtech.example.net,2026:entry-7"
    assert entry.link == "https://medtech.example.net/news/wristband-trial.html"
    assert entry.title == "Wristband & patch: cuffless blood pressure"
    assert entry.author == "Ada Lind"
    assert entry.content == "Nine hospitals take part."  # the script is gone, not just escaped
    assert entry.published_at == datetime(2026, 11, 9, 14, 30, tzinfo=UTC)


def test_rdf() -> None:
    feed = parse("rdf.xml")
    assert feed.version == "rss10"
    assert [(i.title, i.published_at) for i in feed.items] == [
        ("Port launches digital twin", datetime(2026, 10, 1, 8, 0, tzinfo=UTC))
    ]


def test_wrong_declared_encoding_is_recovered_with_a_warning() -> None:
    feed = parse("wrong-encoding.xml")
    assert feed.items[0].title == "Straße und Gewächshaus"
    assert feed.items[0].summary == "München"
    assert feed.warning and "not well-formed" in feed.warning


def test_bozo_feed_with_entries_is_ingested_with_a_warning() -> None:
    feed = parse("bozo.xml")
    # The lenient parser treats a GUID without isPermaLink="false" as a link relative to the feed.
    assert [i.key for i in feed.items] == [
        "guid:https://feeds.example.org/b-1",
        "guid:https://feeds.example.org/b-2",
    ]
    assert feed.warning is not None


def test_html_page_is_not_a_feed() -> None:
    with pytest.raises(FeedError, match="not a feed"):
        parse("not-a-feed.html")


def test_empty_body_is_an_error() -> None:
    with pytest.raises(FeedError, match="empty"):
        parse_feed(b"  \n", url="https://x.example/feed", fetched_at=FETCHED)


def test_javascript_links_are_dropped() -> None:
    data = b"""<rss version="2.0"><channel><title>t</title>
      <item><title>Click</title><link>javascript:alert(1)</link><guid>j1</guid></item></channel></rss>"""
    item = parse_feed(data, url="https://x.example/feed", fetched_at=FETCHED).items[0]
    assert item.link is None and item.canonical_url is None


# --- hostile XML ---------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title><guid>x</guid></item></channel></rss>"""


def quadratic_blowup() -> bytes:
    entity = "A" * 100_000
    refs = "&a;" * 100_000
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "{entity}">]>\n'
        f'<rss version="2.0"><channel><title>t</title><item><title>{refs}</title><guid>q</guid></item></channel></rss>'
    ).encode()


XXE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE rss [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<rss version="2.0"><channel><title>t</title><item><title>&xxe;</title><guid>xxe</guid></item></channel></rss>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!-- a comment before the doctype -->
<!DOCTYPE rss [ <!ENTITY % remote SYSTEM "http://127.0.0.1:1/evil.dtd"> %remote; ]>
<rss version="2.0"><channel><title>t</title></channel></rss>"""


@pytest.mark.parametrize(
    "data",
    [
        BILLION_LAUGHS,
        quadratic_blowup(),
        XXE,
        PARAMETER_ENTITY,
        b"\xef\xbb\xbf" + XXE,  # UTF-8 BOM
        XXE.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),  # UTF-16 with BOM
    ],
    ids=["billion-laughs", "quadratic-blowup", "xxe", "parameter-entity", "xxe-utf8-bom", "xxe-utf16"],
)
def test_entity_declarations_are_refused_quickly(data: bytes) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(UnsafeXMLError, match="declares entities"):
            parse_feed(data, url="https://evil.example/feed", fetched_at=FETCHED)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * len(data) + 1_000_000  # a copy or two of the input, never an expansion


def test_doctype_without_entities_and_entity_text_in_content_are_fine() -> None:
    # A DOCTYPE with only an external DTD reference declares no entities (and is never fetched);
    # "<!ENTITY" inside CDATA is content, not a declaration.
    data = b"""<?xml version="1.0"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>t</title><link>https://a.example/</link><description>d</description>
<item><title>XML tips</title><link>https://a.example/1</link><description><![CDATA[Never use <!ENTITY x "y"> in feeds]]></description></item>
</channel></rss>"""
    refuse_entity_declarations(data, "ok")
    feed = parse_feed(data, url="https://a.example/feed", fetched_at=FETCHED)
    assert feed.version == "rss091n" and len(feed.items) == 1


def test_html_to_text() -> None:
    assert html_to_text("<p>One &amp; two</p><p>three<br>four</p>") == "One & two\nthree\nfour"
    # Where a block ends, words do not run together ("CommitteeThe" once reached a paper).
    joined = '<dl><dt>by Ann on behalf of the Committee</dt></dl>The fair<div class="x">opens</div>now'
    assert html_to_text(joined) == "by Ann on behalf of the Committee\nThe fair\nopens\nnow"
    assert html_to_text("plain") == "plain"


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE rss [<!-- <x --><!ENTITY e "EXPANDED">]>',  # markup-like text in a comment
        '<!DOCTYPE rss [<?pi <x?><!ENTITY e "EXPANDED">]>',  # ... in a processing instruction
        '<!DOCTYPE rss SYSTEM "<x" [<!ENTITY e "EXPANDED">]>',  # ... in a system literal
        '<!DOCTYPE rss [<!ELEMENT rss ANY><!ATTLIST rss a CDATA "]>"><!ENTITY e "EXPANDED">]>',
        '<!DOCTYPE rss [<!ENTITY e "EXPANDED">',  # never closed
    ],
)
def test_entity_declarations_cannot_hide(doctype: str) -> None:
    data = f'<?xml version="1.0"?>{doctype}<rss version="2.0"><channel><title>&e;</title></channel></rss>'.encode()
    with pytest.raises(UnsafeXMLError):
        parse_feed(data, url="https://evil.example/feed", fetched_at=FETCHED)


def test_doctype_after_junk_is_checked_too() -> None:
    data = b'junk\n<!DOCTYPE rss [<!ENTITY e "EXPANDED">]>\n<rss version="2.0"><channel><title>&e;</title></channel></rss>'
    with pytest.raises(UnsafeXMLError):
        parse_feed(data, url="https://evil.example/feed", fetched_at=FETCHED)


@pytest.mark.parametrize("header", ["", "application/xml; charset=utf-7"])
def test_utf7_encoded_declarations_are_seen(header: str) -> None:
    body = '<!DOCTYPE rss [<!ENTITY e "EXPANDED">]><rss version="2.0"><channel><title>&e;</title></channel></rss>'
    data = b'<?xml version="1.0" encoding="utf-7"?>' + body.encode("utf-7")
    with pytest.raises(UnsafeXMLError):
        parse_feed(data, url="https://evil.example/feed", fetched_at=FETCHED, content_type=header)
    with pytest.raises(UnsafeXMLError):
        refuse_entity_declarations(data, "raw bytes")


def test_control_characters_from_a_feed_are_stripped() -> None:
    """ESC and BEL in a title once made feed.xml not well-formed and put terminal codes in papers."""
    data = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>'
        b"<title>Mill \x1b[31mopens\x07 line</title><link>https://x.example/a</link>"
        b"<description>Two\x0b lines\r\nhere\x00</description><author>a\x1bb@x.example</author>"
        b"<category>re\x07cycling</category></item></channel></rss>"
    )
    item = parse_feed(data, url="https://x.example/feed", fetched_at=FETCHED).items[0]
    assert item.title == "Mill [31mopens line"
    assert item.summary == "Two lines\nhere"
    assert item.author == "ab@x.example" and item.categories == ("recycling",)
