"""An Atom feed of the published papers, newest first (generated, so the site needs no plugin)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import quote

from papers.files import utc_stamp
from papers.sitepages import SitePaper

ATOM = "http://www.w3.org/2005/Atom"


def _stamp(when: datetime | None) -> str:
    return utc_stamp(when or datetime(1970, 1, 1, tzinfo=UTC))


def atom_feed(papers: Sequence[SitePaper], title: str, site_url: str | None, limit: int = 50) -> bytes:
    """The feed; links are absolute when the site's URL is configured, else relative to the feed."""
    ET.register_namespace("", ATOM)
    published = sorted(
        (p for p in papers if p.row.status == "published"),
        key=lambda p: (p.row.status_at or datetime.min.replace(tzinfo=UTC), p.row.edition, p.row.industry),
        reverse=True,
    )[:limit]
    base = site_url.rstrip("/") + "/" if site_url else ""
    tag = f"tag:trendpapers,2026:{quote(title)}"  # ids that stay when the site moves
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = f"{title}: new papers"
    ET.SubElement(feed, f"{{{ATOM}}}id").text = base + "feed.xml" if base else tag
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=f"{base}feed.xml")
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=base or "./")
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _stamp(published[0].row.status_at if published else None)
    ET.SubElement(ET.SubElement(feed, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = title
    for paper in published:
        row = paper.row
        link = f"{base}papers/{row.industry}/{row.edition}/"
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = paper.title
        ET.SubElement(entry, f"{{{ATOM}}}id").text = link if base else f"{tag}/{row.industry}/{row.edition}"
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=link)
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _stamp(row.status_at)
        trends = "; ".join(t["title"] for t in row.trends[:5])
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = (
            f"Edition {row.edition}. Key trends: {trends}" if trends else f"Edition {row.edition}."
        )
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"
