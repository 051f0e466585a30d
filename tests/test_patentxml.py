"""Patent files: every corpus file read or reported, exact fields of hand-read documents, safety."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from ingest import patentstore, store
from ingest.errors import UnsafeXMLError
from ingest.patentimport import import_patents
from ingest.patentxml import read_patent_file, read_patent_stream
from ingest.records import SourceSpec
from ingest.runner import run_ingest
from tests.conftest import LocalServer, local_policy, local_settings

NOW = datetime(2026, 11, 23, tzinfo=UTC)

# Read by hand from the files (not by any parser), field by field.
EXPECTED: dict[str, dict[str, object]] = {
    "uspto/xml2014/US08926509.xml": {
        "number": "US8926509B2",
        "kind": "B2",
        "application_number": "US12134151",
        "title": "Wireless physiological sensor patches and systems",
        "language": "en",
        "publication_date": "2015-01-06",
        "filing_date": "2008-06-05",
        "priority_date": None,
        "applicants": ["Hmicro, Inc."],
        "inventors": [
            "Surendar Magar",
            "Venkateswara Rao Sattiraju",
            "Ali Niknejad",
            "Louis Yun",
            "James C. Beck",
        ],
        "ipc": [
            "A61B5/00",
            "A61B5/0205",
            "A61B5/0404",
            "A61B5/11",
            "H04L29/08",
            "G06F19/00",
            "H04W88/00",
            "H04W52/00",
            "H04W84/00",
            "A61B5/021",
            "A61B5/024",
            "A61B5/0476",
            "A61B5/0488",
            "A61B5/145",
        ],
        "cpc": [
            "A61B5/0205",
            "A61B5/0024",
            "A61B5/0404",
            "A61B5/1112",
            "A61B5/6833",
            "G06F19/3418",
            "H04L67/125",
            "H04L67/04",
            "A61B5/021",
            "A61B5/02438",
            "A61B5/0476",
            "A61B5/0488",
            "A61B5/14532",
            "A61B5/7232",
            "A61B2560/0209",
            "H04W84/18",
            "H04W88/08",
            "H04W52/0235",
            "H04W52/0274",
        ],
        "abstract_start": "The present invention provides methods, devices, and systems",
        "first_claim_start": "A system for measuring physiological signals, comprising: (a",
    },
    "uspto/xml2006/US07272630B2.xml": {
        "number": "US7272630B2",
        "kind": "B2",
        "application_number": "US10991571",
        "title": "Locating potentially identical objects across multiple computers based on stochastic partitioning of workload",
        "language": "en",
        "publication_date": "2007-09-18",
        "filing_date": "2004-11-18",
        "priority_date": None,
        "applicants": ["Microsoft Corporation"],
        "inventors": ["John R. Douceur", "Marvin M. Theimer", "Atul Adya", "William J. Bolosky"],
        "ipc": ["G06F15/13"],
        "cpc": [],
        "abstract_start": "Potentially identical objects (e.g., files) are located acro",
        "first_claim_start": "A method implemented in a computer, the method comprising: g",
    },
    "uspto/xml2004/US06970935.xml": {
        "number": "US6970935B1",
        "kind": "B1",
        "application_number": "US09703574",
        "title": "Conversational networking via transport, coding and control conversational protocols",
        "language": "en",
        "publication_date": "2005-11-29",
        "filing_date": "2000-11-01",
        "priority_date": None,
        "applicants": ["International Business Machines Corporation"],
        "inventors": ["Stephane H. Maes"],
        "ipc": ["G06F15/16"],
        "cpc": [],
        "abstract_start": "Conversational protocols for implementing distributed conver",
        "first_claim_start": "A communication system, comprising: a communication stack co",
    },
    "uspto/xmlApp2004/US20050004437A1.xml": {
        "number": "US20050004437A1",
        "kind": "A1",
        "application_number": "US10830857",
        "title": "Simulation device for playful evaluation and display of blood sugar levels",
        "language": "en",
        "publication_date": "2005-01-06",
        "filing_date": "2004-04-23",
        "priority_date": "2001-10-26",
        "applicants": ["Heiner Kaufmann", "Thomas Vering"],
        "inventors": ["Heiner Kaufmann", "Thomas Vering"],
        "ipc": ["A61B5/00"],
        "cpc": [],
        "abstract_start": "A simulation device for playful evaluation and display of bl",
        "first_claim_start": "A simulation device for displaying and evaluating blood suga",
    },
    "uspto/pap/US20010000044A1.xml": {
        "number": "US20010000044A1",
        "kind": "A1",
        "application_number": "US09342866",
        "title": "Systems and Methods For Transacting Business Over A Global Communications Network Such As The Internet",
        "language": "en",
        "publication_date": "2001-03-15",
        "filing_date": "1999-06-29",
        "priority_date": None,
        "applicants": [],
        "inventors": ["Wayne W Lin"],
        "ipc": ["G06F17/60"],
        "cpc": [],
        "abstract_start": "A business model / process is described for conducting busin",
        "first_claim_start": "A method of doing business over a global communications netw",
    },
    "uspto/sgml/US06336130.xml": {
        "number": "US6336130B1",
        "kind": "B1",
        "application_number": "US09413215",
        "title": "Arrangement for improving availability of services in a communication system",
        "language": "en",
        "publication_date": "2002-01-01",
        "filing_date": "1999-10-05",
        "priority_date": "1997-04-08",
        "applicants": ["Telefonaktiebolaget LM Ericsson (publ)"],
        "inventors": ["Thanh Van Do"],
        "ipc": ["G06F15/16", "G06F13/00"],
        "cpc": [],
        "abstract_start": "A communications systems, e.g., a telecommunications system,",
        "first_claim_start": "An arrangement in a network including a plurality of mobile ",
    },
    "epo/test-data/grant/v1-5-B1.xml": {
        "number": "EP3404678B1",
        "kind": "B1",
        "application_number": "EP17171508.9",
        "title": "HIGH VOLTAGE ASSEMBLY AND METHOD TO OPERATE THE HIGH VOLTAGE ASSEMBLY",
        "language": "en",
        "publication_date": "2021-06-30",
        "filing_date": "2017-05-17",
        "priority_date": None,
        "applicants": ["General Electric Technology GmbH"],
        "inventors": ["HARTHUM, Jörg", "STIRL, Tobias"],
        "ipc": ["H01F27/14", "H01F27/40"],
        "cpc": [],
        "abstract_start": None,
        "first_claim_start": "A high voltage assembly (2) comprising: - a sealed compartme",
    },
    "epo/test-data/application/v1-0-A1.xml": {
        "number": "EP1325900A1",
        "kind": "A1",
        "application_number": "EP01963450.0",
        "title": "PROCESS FOR PRODUCING FLUOROALKANOL",
        "language": "en",
        "publication_date": "2003-07-09",
        "filing_date": "2001-09-05",
        "priority_date": "2000-09-08",
        "applicants": ["ASAHI GLASS COMPANY LTD."],
        "inventors": ["TOHMA, Toshihiko", "WADA, Akihiro"],
        "ipc": ["C07C29/44", "C07C31/38"],
        "cpc": [],
        "abstract_start": "A process for producing a fluoroalkanol which can easily be ",
        "first_claim_start": "A process for producing a fluoroalkanol of the following for",
    },
}

# Files that are not read, and why; every other file must yield at least one patent.
UNSUPPORTED = {
    "epo/LICENSE": "not XML",
    "uspto/LICENSE": "not XML",
    "uspto/cpcMaster/cpcMaster.xml": "CPC master classification file",
    "uspto/cpcScheme/cpc-scheme-A01L.xml": "CPC classification scheme file",
    "uspto/css_brs/css_brs_sample.txt": "BRS text, recognised but not supported",
    "uspto/greenbook/US03932709.greenbook": "'greenbook' text (1976-2001), recognised but not supported",
    "uspto/greenbook/US03937375.greenbook": "'greenbook' text (1976-2001), recognised but not supported",
    "uspto/greenbook/US04347903.greenbook": "'greenbook' text (1976-2001), recognised but not supported",
    "uspto/xml4ip/sample_XML4IP.ZIP": "a ZIP archive",
}
# Real EPO test files with a bare "&" or a broken attribute: read with the lenient parser.
LENIENT = {
    "epo/test-data/application/v1-2-A1.xml",
    "epo/test-data/application/v1-4-A1.xml",
    "epo/test-data/application/v1-4-A1-1.xml",
    "epo/test-data/application/v1-5-1-A1-2.xml",
}


@pytest.fixture(scope="module")
def patents_dir(corpora: Path) -> Path:
    return corpora / "patents"


def _fields(path: Path) -> dict[str, object]:
    report = read_patent_file(path)
    assert report.error is None, report.error
    r = report.records[0]
    return {
        "number": str(r.number),
        "kind": r.number.kind,
        "application_number": r.application_number,
        "title": r.title,
        "language": r.language,
        "publication_date": r.publication_date,
        "filing_date": r.filing_date,
        "priority_date": r.priority_date,
        "applicants": [p.name for p in r.applicants],
        "inventors": [p.name for p in r.inventors],
        "ipc": list(r.ipc),
        "cpc": list(r.cpc),
        "abstract_start": r.abstract[:60] or None,
        "first_claim_start": r.first_claim[:60] or None,
    }


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fields_match_a_reading_by_hand(patents_dir: Path, name: str) -> None:
    assert _fields(patents_dir / name) == EXPECTED[name]


@pytest.mark.corpus
def test_every_corpus_file_is_read_or_reported(patents_dir: Path) -> None:
    for path in sorted(p for p in patents_dir.rglob("*") if p.is_file()):
        name = str(path.relative_to(patents_dir))
        report = read_patent_file(path)
        if name in UNSUPPORTED:
            assert report.unsupported and UNSUPPORTED[name] in (report.error or ""), (name, report.error)
            continue
        assert report.error is None and report.records, (name, report.error)
        assert (report.warning is not None) == (name in LENIENT), (name, report.warning)
        for record in report.records:
            assert record.number.country in ("US", "EP") and record.title and record.publication_date


@pytest.mark.corpus
def test_reimport_creates_no_duplicates(engine: sa.Engine, patents_dir: Path, tmp_path: Path) -> None:
    first = import_patents(engine, [patents_dir])
    assert first.new == 47 and first.updated == 0 and len(first.errors) == len(UNSUPPORTED)
    second = import_patents(engine, [patents_dir])
    assert (second.new, second.updated, second.unchanged) == (0, 0, 47)  # the same files again
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(patentstore.patents)).scalar_one() == 47
        assert conn.execute(sa.select(sa.func.count()).select_from(store.items)).scalar_one() == 47
        doc = conn.execute(
            sa.select(store.documents)
            .join(patentstore.patents, patentstore.patents.c.item_id == store.documents.c.item_id)
            .where(patentstore.patents.c.number == "EP3404678B1")
        ).one()
    assert doc.status == "ok" and doc.text.startswith("HIGH VOLTAGE ASSEMBLY") and doc.language == "en"


@pytest.mark.corpus
def test_a_patent_from_a_feed_and_a_file_is_one_item(
    engine: sa.Engine, patents_dir: Path, tmp_path: Path, server: LocalServer
) -> None:
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Patent search: A61B</title>
      <item><title>US 8,926,509 B2 - Wireless physiological sensor patches and systems</title>
        <link>https://patents.example.org/US8926509B2</link><guid isPermaLink="false">s-1</guid>
        <category>A61B 5/0205</category>
        <description>Publication date: 2015-01-06. Applicant: Hmicro, Inc. CPC: A61B 5/0205; A61B 5/0024</description></item>
    </channel></rss>"""
    sources = [SourceSpec("Patent search", server.static("/patents.xml", feed), kind="patent")]
    run_ingest(engine, sources, local_policy(), local_settings(fetch_articles=False))
    with engine.connect() as conn:
        row = conn.execute(sa.select(patentstore.patents)).one()
    assert (row.number, row.publication_date, row.cpc, row.classes) == (
        "US8926509B2",
        "2015-01-06",
        ["A61B5/0205", "A61B5/0024"],
        ["A61B5/0205"],
    )
    assert row.applicants == [["Hmicro, Inc.", "hmicro"]] and row.origin == "feed: Patent search"
    report = import_patents(engine, [patents_dir / "uspto/xml2014/US08926509.xml"])
    assert report.new == 0 and report.updated == 1
    run_ingest(
        engine, sources, local_policy(), local_settings(fetch_articles=False)
    )  # seen again: no new item
    with engine.connect() as conn:
        numbers = conn.execute(
            sa.select(
                patentstore.patents.c.number, patentstore.patents.c.item_id, patentstore.patents.c.origin
            )
        ).all()
        items = conn.execute(sa.select(sa.func.count()).select_from(store.items)).scalar_one()
    assert len(numbers) == 1 and items == 1 and numbers[0].item_id == row.item_id
    assert numbers[0].origin.startswith("file: ")


# --- hostile files -------------------------------------------------------------------------------

GRANT = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE us-patent-grant SYSTEM "us-patent-grant-v45-2014-04-03.dtd" [{subset}]>
<us-patent-grant lang="EN" country="US"><us-bibliographic-data-grant>
<publication-reference><document-id><country>US</country><doc-number>09999999</doc-number><kind>B2</kind><date>20260101</date></document-id></publication-reference>
<application-reference><document-id><country>US</country><doc-number>17000000</doc-number><date>20240101</date></document-id></application-reference>
<invention-title>{title}</invention-title></us-bibliographic-data-grant>
<abstract><p>An abstract.</p></abstract></us-patent-grant>
"""


def write(tmp_path: Path, subset: str, title: str = "A title") -> Path:
    path = tmp_path / "p.xml"
    path.write_text(GRANT.format(subset=subset, title=title), encoding="utf-8")
    return path


def test_unparsed_image_entities_are_allowed(tmp_path: Path) -> None:
    path = write(tmp_path, '<!ENTITY US09999999-D00000.TIF SYSTEM "US09999999-D00000.TIF" NDATA TIF>')
    report = read_patent_file(path)
    assert report.error is None and str(report.records[0].number) == "US9999999B2"


@pytest.mark.parametrize(
    "subset",
    [
        '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">',
        '<!ENTITY xxe SYSTEM "file:///etc/passwd">',
        '<!ENTITY % remote SYSTEM "http://127.0.0.1:1/x.dtd"> %remote;',
        '<!ENTITY tif SYSTEM "x.tif" NDATA TIF><!ENTITY xxe SYSTEM "file:///etc/passwd">',
    ],
    ids=["expansion", "external-entity", "parameter-entity", "hidden-behind-an-unparsed-one"],
)
def test_parsed_entities_are_refused(tmp_path: Path, subset: str) -> None:
    report = read_patent_file(write(tmp_path, subset, title="&c;&xxe;"))
    assert report.error and "declares entities" in report.error and not report.records


class _Nesting(io.RawIOBase):
    """A seekable stream of a gigabyte of nested elements, generated as it is read."""

    SIZE = 1 << 30
    HEAD = b'<?xml version="1.0"?>\n<us-patent-grant lang="EN">'

    def __init__(self) -> None:
        self.pos = 0
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = offset
        return offset

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        n = min(len(buffer), self.SIZE - self.pos)
        if n <= 0:
            return 0
        data = bytearray()
        if self.pos < len(self.HEAD):
            data += self.HEAD[self.pos :]
        data += b"<a>" * (n // 3 + 1)
        buffer[:n] = data[:n]
        self.pos += n
        self.read_bytes += n
        return n


def test_a_gigabyte_of_nesting_is_refused_quickly() -> None:
    stream = _Nesting()
    report = read_patent_stream(io.BufferedReader(stream), Path("nesting.xml"))
    assert report.error and "refused" in report.error and "depth" in report.error.lower()
    assert stream.read_bytes < 10_000_000  # stopped after a few kilobytes, not a gigabyte


def test_too_long_prolog_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.xml"
    path.write_bytes(b'<?xml version="1.0"?>\n<!DOCTYPE x [' + b"<!-- padding -->\n" * 100_000)
    report = read_patent_file(path)
    assert report.error and "before the root element" in report.error


def test_unsafe_xml_error_is_the_kind_reported() -> None:
    assert issubclass(UnsafeXMLError, Exception)


@pytest.mark.corpus
def test_patent_evidence_of_a_set_of_documents(engine: sa.Engine, patents_dir: Path, tmp_path: Path) -> None:
    import_patents(engine, [patents_dir / "epo" / "test-data" / "grant"])
    with engine.begin() as conn:
        ids = [row.item_id for row in conn.execute(sa.select(patentstore.patents.c.item_id))]
        news = store.ensure_source(conn, "news", "news")
        from ingest.records import Item

        store.insert_items(conn, news, [Item("n1", "n1", None, None, "News", "", "", None, None, None)], NOW)
        news_id = store.item_ids(conn, news, ["n1"])["n1"]
        evidence = patentstore.patent_evidence(conn, [*ids, news_id], top=3)
    assert len(evidence.patents) == 14 and evidence.share == pytest.approx(14 / 15)
    newest = evidence.patents[0]
    assert (newest.number, newest.publication_date) == ("EP2716170B2", "2021-09-22")
    assert newest.url == "https://worldwide.espacenet.com/patent/search?q=pn%3DEP2716170B2"
    assert all(a.publication_date >= b.publication_date for a, b in itertools.pairwise(evidence.patents))
    assert len(evidence.top_applicants) == 3 and all(n >= 1 for _name, n in evidence.top_applicants)


def test_our_fixture_grant(tmp_path: Path) -> None:
    report = read_patent_file(Path(__file__).parent / "data" / "patents" / "US09999901B2.xml")
    assert report.error is None
    (record,) = report.records
    assert str(record.number) == "US9999901B2" and record.application_number == "US17123456"
    assert (record.publication_date, record.filing_date, record.priority_date) == (
        "2026-11-03",
        "2024-02-15",
        "2023-03-01",
    )
    assert record.cpc == ("D04B1/26", "A61B5/1038") and record.ipc == ("D04B1/26",)
    assert [(p.name, p.key) for p in record.applicants] == [("Textura Labs GmbH", "textura labs")]
    assert [p.name for p in record.inventors] == ["Ada Lind"]
    assert record.first_claim == "A knitted sock comprising a pressure-sensing yarn."
    assert record.text.startswith("Knitted sock with pressure sensing yarn\n\nA sock knitted")


@pytest.mark.parametrize(
    "subset",
    [
        '<!ENTITY NDATA SYSTEM "file:///etc/passwd">',
        '<!ENTITY i "lol" NDATA tif>',
        '<!ENTITY i SYSTEM "x" NDATA tif <!ENTITY b SYSTEM "file:///etc/passwd">',
        '<!ENTITY % p SYSTEM "x" NDATA tif>',
    ],
)
def test_only_exact_unparsed_declarations_pass(tmp_path: Path, subset: str) -> None:
    report = read_patent_file(write(tmp_path, subset))
    assert report.error and "declares entities" in report.error


def test_a_comment_before_the_doctype_hides_nothing(tmp_path: Path) -> None:
    path = tmp_path / "p.xml"
    text = GRANT.format(subset='<!ENTITY xxe SYSTEM "file:///etc/passwd">', title="&xxe;")
    path.write_text(text.replace("\n<!DOCTYPE", '\n<!-- <a href="x"> -->\n<!DOCTYPE', 1), encoding="utf-8")
    report = read_patent_file(path)
    assert report.error and "declares entities" in report.error


def test_entity_check_is_linear() -> None:
    from ingest.xmlsafety import refuse_entity_declarations_in_text

    text = "<!DOCTYPE x [" + "<?pi <!DOCTYPE [ ?><!ELEMENT a ANY>" * 20_000 + "]><x/>"
    # Processing instructions that look like a DOCTYPE declare nothing: no refusal. (A quadratic
    # scan of these 20,000 would take minutes; timing it here would fail on a busy machine.)
    assert refuse_entity_declarations_in_text(text, "t") is None


def test_odd_dates_and_language_values_do_not_break_an_import(engine: sa.Engine, tmp_path: Path) -> None:
    text = GRANT.format(subset="", title="A title").replace("<date>20260101</date>", "<date>20260230</date>")
    text = text.replace('lang="EN"', 'lang="e\'n"')
    path = tmp_path / "odd.xml"
    path.write_text(text, encoding="utf-8")
    report = import_patents(engine, [path])
    assert report.new == 1 and report.files[0].records[0].publication_date is None


def _feed(server: LocalServer, title: str) -> list[SourceSpec]:
    feed = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Patent search</title>
      <item><title>{title} - Knitted sock</title><guid isPermaLink="false">g1</guid></item></channel></rss>"""
    return [SourceSpec("Patent search", server.static("/p.xml", feed.encode()), kind="patent")]


def test_a_kindless_feed_number_and_the_file_are_one_item(
    engine: sa.Engine, tmp_path: Path, server: LocalServer
) -> None:
    run_ingest(engine, _feed(server, "US 9,999,901"), local_policy(), local_settings(fetch_articles=False))
    report = import_patents(engine, [Path(__file__).parent / "data" / "patents" / "US09999901B2.xml"])
    assert report.new == 0 and report.updated == 1
    with engine.connect() as conn:
        assert conn.execute(sa.select(patentstore.patents.c.number)).scalars().all() == ["US9999901B2"]
        assert conn.execute(sa.select(sa.func.count()).select_from(store.items)).scalar_one() == 1


def test_a_changed_feed_entry_does_not_stop_the_run(
    engine: sa.Engine, tmp_path: Path, server: LocalServer
) -> None:
    run_ingest(engine, _feed(server, "EP 1 234 567 A1"), local_policy(), local_settings(fetch_articles=False))
    report = run_ingest(
        engine, _feed(server, "EP 1 234 567 B1"), local_policy(), local_settings(fetch_articles=False)
    )
    assert report.sources[0].status == "ok" and report.new_items == 0
    with engine.connect() as conn:
        assert conn.execute(sa.select(patentstore.patents.c.number)).scalars().all() == ["EP1234567A1"]


def test_a_document_over_the_size_cap_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ingest.patentxml

    monkeypatch.setattr(ingest.patentxml, "MAX_DOCUMENT_BYTES", 10_000)
    path = tmp_path / "big.xml"
    path.write_text(GRANT.format(subset="", title="x" * 20_000), encoding="utf-8")
    report = read_patent_file(path)
    assert report.error and "larger than 10000 bytes" in report.error


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_a_valid_utf16_or_utf32_file_is_read(tmp_path: Path, encoding: str) -> None:
    source = (Path(__file__).parent / "data" / "patents" / "US09999901B2.xml").read_text(encoding="utf-8")
    wide = tmp_path / "wide.xml"
    wide.write_bytes(source.replace('encoding="UTF-8"', f'encoding="{encoding.upper()}"').encode(encoding))
    report = read_patent_file(wide)
    assert report.error is None and [r.title for r in report.records] == [
        "Knitted sock with pressure sensing yarn"
    ]


def test_a_truncated_copy_never_empties_what_a_full_import_stored(engine: sa.Engine, tmp_path: Path) -> None:
    full = (Path(__file__).parent / "data" / "patents" / "US09999901B2.xml").read_bytes()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "p.xml").write_bytes(full)
    cut = full.index(b"<us-applicants>")
    (tmp_path / "cut").mkdir()
    (tmp_path / "cut" / "p.xml").write_bytes(full[:cut])  # the copy ends after the title

    def stored() -> tuple[Any, str]:
        with engine.connect() as conn:
            row = conn.execute(sa.select(patentstore.patents)).one()
            text = conn.execute(sa.select(store.documents.c.text)).scalar_one()
        return row, text

    assert import_patents(engine, [tmp_path / "full"]).new == 1
    row, text = stored()
    assert row.applicants and row.inventors and row.cpc
    report = import_patents(engine, [tmp_path / "cut"])
    assert report.updated == 1 and report.files[0].warning  # read leniently, poorer
    again, text_again = stored()
    assert (again.title, again.applicants, again.inventors, again.cpc) == (
        row.title,
        row.applicants,
        row.inventors,
        row.cpc,
    )
    assert text_again == text and "pressure-sensing yarn" in text


def test_a_broken_document_is_reported_in_words(tmp_path: Path) -> None:
    """A DOCTYPE inside the root once ended in "AttributeError: 'NoneType' ..."."""
    full = (Path(__file__).parent / "data" / "patents" / "US09999901B2.xml").read_text(encoding="utf-8")
    start = full.index("<us-patent-grant")
    broken = tmp_path / "broken.xml"
    broken.write_text(
        '<?xml version="1.0"?>\n' + full[start:].replace(">", '><!DOCTYPE x SYSTEM "x.dtd">', 1),
        encoding="utf-8",
    )
    report = read_patent_file(broken)
    assert report.error and "not well-formed XML" in report.error and "read leniently" in report.error
    assert "Error" not in report.error.replace("XMLSyntaxError", "")
    empty = tmp_path / "empty.xml"
    empty.write_text('<?xml version="1.0"?>\n<us-patent-grant/>\n', encoding="utf-8")
    assert "incomplete: a part its format requires" in (read_patent_file(empty).error or "")
