"""Patent full-text XML files → ``PatentRecord``: USPTO (2001-2004 and 2005+ formats) and EPO.

Files are streamed: lines are fed to an lxml pull parser and each patent document is read and
discarded when its root element closes, so a weekly bulk file of thousands of concatenated
documents (one ``<?xml`` declaration each) never sits in memory whole. Entities are never
expanded, DTDs never loaded, nothing is fetched from the network; a DOCTYPE may declare only
unparsed entities (the image references of USPTO files), anything else is refused. Formats we
recognise but do not read (APS "greenbook" text, BRS text, ZIP archives, CPC scheme files) are
reported per file with the reason.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from ingest.errors import ItemError, UnsafeXMLError
from ingest.patents import PatentRecord, PublicationNumber, normalise_class, normalise_number, party
from ingest.xmlsafety import refuse_entity_declarations

# Root elements of the patent documents we read, and who reads them.
_US_V4 = ("us-patent-grant", "us-patent-application")
_US_PAP = "patent-application-publication"
_US_ST32 = "PATDOC"
_EPO = "ep-patent-document"
_NOT_PATENTS = {
    "class-scheme": "a CPC classification scheme file, not a patent document",
    "CPCMasterClassificationFile": "a CPC master classification file, not a patent document",
}
MAX_PROLOG = 1_000_000  # bytes of XML declaration + DOCTYPE before the root element
# Bytes of one document. Real full texts are mostly under 5 MB; the largest, with long tables or
# sequences, reach tens of MB. Beyond this a file is refused rather than parsed into memory.
MAX_DOCUMENT_BYTES = 100_000_000
# Sections we never read, cleared as soon as they end so that they never accumulate in memory.
_UNREAD_SECTIONS = {
    "description",
    "drawings",
    "subdoc-description",
    "subdoc-drawings",
    "SDODE",
    "SDODR",
    "search-report-data",
}


@dataclass(frozen=True)
class FileReport:
    """What happened to one file: the patents read from it, or why none."""

    path: Path
    records: tuple[PatentRecord, ...] = ()
    error: str | None = None
    unsupported: bool = False
    warning: str | None = None


def _text(el: Any) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def _date(value: str | None) -> str | None:
    """ISO date from YYYYMMDD; None for anything that is not a real calendar date."""
    try:
        return datetime.strptime((value or "").strip(), "%Y%m%d").date().isoformat()
    except ValueError:
        return None


def _unique(codes: list[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c for c in codes if c))


def _claim_text(claim: Any) -> str:
    # "1. A device ..." → "A device ..."
    return re.sub(r"^\s*1\s*[.)]+\s*", "", _text(claim))


def _number(country: str, number: str, kind: str | None) -> PublicationNumber:
    parsed = normalise_number(f"{country}{number}{kind or ''}")
    if parsed is None:
        raise ItemError(f"unreadable publication number {country} {number} {kind or ''}")
    return parsed


def _person(el: Any) -> str:
    org = el.findtext(".//orgname")
    if org:
        return " ".join(org.split())
    names = [el.findtext(f".//{t}") for t in ("first-name", "last-name")]
    return " ".join(" ".join(n.split()) for n in names if n)


def _structured_class(el: Any) -> str | None:
    """A class from its parts (<section>, <class>, <subclass>, <main-group>, <subgroup>)."""
    head = "".join(el.findtext(t, "") for t in ("section", "class", "subclass"))
    return normalise_class(f"{head}{el.findtext('main-group', '')}/{el.findtext('subgroup', '')}")


def _read_us_v4(root: Any) -> PatentRecord:
    bib = root.find("us-bibliographic-data-grant")
    if bib is None:
        bib = root.find("us-bibliographic-data-application")
    pub = bib.find("publication-reference/document-id")
    app = bib.find("application-reference/document-id")
    ipc = [_structured_class(c) for c in bib.iterfind("classifications-ipcr/classification-ipcr")]
    ipc += [normalise_class(c.text or "") for c in bib.iterfind("classification-ipc/*") if c.tag != "edition"]
    cpc = [_structured_class(c) for c in bib.iterfind("classifications-cpc//classification-cpc")]
    applicants = [_person(a) for a in bib.iterfind("assignees/assignee")]
    people = list(bib.iterfind("us-parties/us-applicants/us-applicant")) + list(
        bib.iterfind("parties/applicants/applicant")
    )
    if not applicants:
        applicants = [_person(a) for a in people]
    inventors = [_person(i) for i in bib.iterfind("us-parties/inventors/inventor")]
    inventors += [_person(i) for i in bib.iterfind("parties/inventors/inventor")]
    if not inventors:  # before 2013 US inventors were the applicants
        inventors = [_person(a) for a in people if "inventor" in (a.get("app-type") or "")]
    priorities = [_date(d.text) for d in bib.iterfind("priority-claims/priority-claim/date")]
    claims = root.find("claims")
    return PatentRecord(
        number=_number(pub.findtext("country", "US"), pub.findtext("doc-number", ""), pub.findtext("kind")),
        title=_text(bib.find("invention-title")),
        abstract=_text(root.find("abstract")),
        first_claim=_claim_text(claims.find("claim")) if claims is not None else "",
        application_number=f"{app.findtext('country', 'US')}{app.findtext('doc-number', '')}",
        applicants=tuple(party(a) for a in applicants if a),
        inventors=tuple(party(i) for i in inventors if i),
        publication_date=_date(pub.findtext("date")),
        filing_date=_date(app.findtext("date")),
        priority_date=min((p for p in priorities if p), default=None),
        cpc=_unique(cpc),
        ipc=_unique(ipc),
        language=(root.get("lang") or "en").lower(),
    )


def _read_us_pap(root: Any) -> PatentRecord:
    bib = root.find("subdoc-bibliographic-information")
    doc = bib.find("document-id")
    filing = bib.find("domestic-filing-data")
    tech = bib.find("technical-information")
    ipc = (
        [normalise_class(i.text or "") for i in tech.iterfind("classification-ipc//ipc")]
        if tech is not None
        else []
    )
    inventors = []
    for inventor in bib.iterfind("inventors/*"):
        name = inventor.find("name")
        parts = (
            [name.findtext(t) for t in ("given-name", "middle-name", "family-name")]
            if name is not None
            else []
        )
        inventors.append(" ".join(" ".join(p.split()) for p in parts if p and p.strip()))
    applicants = [_text(a.find("organization-name")) for a in bib.iterfind("assignee")]
    priorities = [_date(d.text) for d in bib.iterfind("foreign-priority-data/filing-date")]
    claims = root.find("subdoc-claims")
    return PatentRecord(
        number=_number(
            "US", doc.findtext("doc-number", "").strip(), (doc.findtext("kind-code") or "").strip() or None
        ),
        title=_text(tech.find("title-of-invention")) if tech is not None else "",
        abstract=" ".join(_text(p) for p in root.iterfind("subdoc-abstract/paragraph")),  # not its heading
        first_claim=_claim_text(claims.find("claim")) if claims is not None else "",
        application_number="US" + _text(filing.find("application-number/doc-number"))
        if filing is not None
        else None,
        applicants=tuple(party(a) for a in applicants if a),
        inventors=tuple(party(i) for i in inventors if i),
        publication_date=_date(doc.findtext("document-date")),
        filing_date=_date(filing.findtext("filing-date")) if filing is not None else None,
        priority_date=min((p for p in priorities if p), default=None),
        ipc=_unique(ipc),
        language="en",
    )


def _st32_class(value: str) -> str | None:
    """ST.32 IPC "G06F 1516" is G06F 15/16: the last two digits are the subgroup."""
    m = re.match(r"^\s*([A-HY]\d{2}[A-Z])\s*(\d{1,4})(\d{2})\s*$", value)
    return normalise_class(f"{m.group(1)}{m.group(2)}/{m.group(3)}") if m else normalise_class(value)


def _read_us_st32(root: Any) -> PatentRecord:
    bib = root.find("SDOBI")
    pdat = lambda path: _text(bib.find(path))  # noqa: E731  (a local shorthand for one path lookup)
    ipc = [_st32_class(_text(c)) for c in bib.iterfind("B500/B510/*") if c.tag in ("B511", "B512")]
    inventors = []
    for nam in bib.iterfind("B700/B720/B721/PARTY-US/NAM"):
        inventors.append(" ".join(p for p in (_text(nam.find("FNM")), _text(nam.find("SNM"))) if p))
    applicants = [_text(n) for n in bib.iterfind("B700/B730/B731/PARTY-US/NAM")]
    priorities = [_date(_text(d)) for d in bib.iterfind("B300/B320")]
    claims = root.find("SDOCL")
    return PatentRecord(
        number=_number(pdat("B100/B190") or "US", pdat("B100/B110"), pdat("B100/B130") or None),
        title=pdat("B500/B540"),
        abstract=_text(root.find("SDOAB")),
        first_claim=_claim_text(claims.find(".//CLM")) if claims is not None else "",
        application_number="US" + pdat("B200/B210"),
        applicants=tuple(party(a) for a in applicants if a),
        inventors=tuple(party(i) for i in inventors if i),
        publication_date=_date(pdat("B100/B140")),
        filing_date=_date(pdat("B200/B220")),
        priority_date=min((p for p in priorities if p), default=None),
        ipc=_unique(ipc),
        language="en",
    )


def _epo_class(value: str) -> str | None:
    # Old EPO: " 7C 07C  29/44   A" (edition, then section apart from class); new: "H01F  27/14 ...".
    return normalise_class(re.sub(r"^\s*\d+\s*(?=[A-HY]\s)", "", value))


def _read_epo(root: Any) -> PatentRecord:
    bib = root.find("SDOBI")
    lang = (root.get("lang") or "").lower() or None
    titles = bib.find("B500/B540")
    title = ""
    if titles is not None:
        pairs = list(titles)
        for code, text in zip(pairs[::2], pairs[1::2], strict=False):
            if (code.text or "").strip().lower() == lang or not title:
                title = _text(text)
    ipc = [_epo_class(_text(c)) for c in bib.iterfind("B500/B510EP/classification-ipcr/text")]
    ipc += [_epo_class(_text(c)) for c in bib.iterfind("B500/B510/*") if c.tag in ("B511", "B512")]
    priorities = [_date(d.findtext("date")) for d in bib.iterfind("B300/B320")]
    # By attribute in Python, not in an XPath predicate: the lang value comes from the file.
    abstract = next((a for a in root.iterfind("abstract") if (a.get("lang") or "").lower() == lang), None)
    claims = next((c for c in root.iterfind("claims") if (c.get("lang") or "").lower() == lang), None)
    return PatentRecord(
        number=_number(root.get("country", "EP"), root.get("doc-number", ""), root.get("kind")),
        title=title,
        abstract=_text(abstract if abstract is not None else root.find("abstract")),
        first_claim=_claim_text((claims if claims is not None else root).find(".//claim")),
        application_number="EP" + _text(bib.find("B200/B210")),
        # B711: applicant of an application; B731: proprietor of a granted patent.
        applicants=tuple(
            party(_text(s)) for s in bib.findall("B700/B710/B711/snm") or bib.findall("B700/B730/B731/snm")
        ),
        inventors=tuple(party(_text(s)) for s in bib.iterfind("B700/B720/B721/snm")),
        publication_date=_date(root.get("date-publ")),
        filing_date=_date(bib.findtext("B200/B220/date")),
        priority_date=min((p for p in priorities if p), default=None),
        ipc=_unique(ipc),
        language=lang,
    )


_READERS = {
    **dict.fromkeys(_US_V4, _read_us_v4),
    _US_PAP: _read_us_pap,
    _US_ST32: _read_us_st32,
    _EPO: _read_epo,
}


def _sniff(head: bytes) -> str | None:
    """Why a file is not XML we read, from its first bytes; None if it may be patent XML."""
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive; unpack it and import the files inside"
    text = head.lstrip().decode("latin-1")
    if text.startswith("PATN"):
        return "USPTO APS 'greenbook' text (1976-2001), recognised but not supported"
    if "*** BRS DOCUMENT BOUNDARY ***" in text or re.match(r"^\d{8}\t", text):
        return "USPTO BRS text, recognised but not supported"
    if not text.startswith("<"):
        return "not XML"
    if (
        re.match(r"(<\?xml[^>]*\?>\s*)?(<!--.*?-->\s*)*<!DOCTYPE\s+PATDOC\b", text, re.S)
        and "<?xml" not in text[:100]
    ):
        return "USPTO SGML (1976-2001), recognised but not supported"
    return None


class _NotWellFormedError(ItemError):
    pass


# libxml2's limits (nesting depth, node size) are protections, not damage to recover from.
_LIMITS = re.compile(r"depth|huge|too large|exceeds|amplification", re.I)


class _Prolog:
    """The bytes before a document's root element, collected line by line in linear time.

    Comments, processing instructions and the DOCTYPE are stepped over, so markup-like text in
    them is not taken for the root element; each byte is searched about once.
    """

    _START = re.compile(rb"<!--|<\?|<!DOCTYPE|<[A-Za-z_]")

    def __init__(self) -> None:
        self.data = bytearray()
        self._pos = 0
        self._until: bytes | None = None  # the end of the comment, PI or DOCTYPE we are in

    def add(self, line: bytes) -> bool:
        """Append a line; True once the root element has started."""
        self.data += line
        while True:
            if self._until is not None:
                end = self.data.find(self._until, self._pos)
                if end < 0:
                    self._pos = max(self._pos, len(self.data) - len(self._until))
                    return False
                self._pos, self._until = end + len(self._until), None
            m = self._START.search(self.data, self._pos)
            if m is None:
                self._pos = max(self._pos, len(self.data) - 16)  # a token may continue on the next line
                return False
            token = m.group()
            if token == b"<!DOCTYPE":
                bracket, close = self.data.find(b"[", m.end()), self.data.find(b">", m.end())
                self._until = b"]>" if 0 <= bracket < close or (bracket >= 0 and close < 0) else b">"
            elif token in (b"<!--", b"<?"):
                self._until = b"-->" if token == b"<!--" else b"?>"
            else:
                return True
            self._pos = m.end()


def _documents(stream: IO[bytes], name: str, recover: bool = False) -> Iterator[Any]:
    """Root elements of the documents in an XML stream that may hold several (bulk files)."""
    from lxml import etree  # heavy import only where patent files are read

    def new_parser() -> Any:
        return etree.XMLPullParser(
            events=("end",),
            tag=[f"{{*}}{t}" for t in sorted(depth_tags | _UNREAD_SECTIONS)],  # Python sees only these end
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=False,  # keeps libxml2's limits: nesting depth, text node size
            remove_comments=True,
            recover=recover,
        )

    depth_tags = set(_READERS) | set(_NOT_PATENTS)
    parser, prolog, size = new_parser(), _Prolog(), 0
    checked = False
    # Bounded reads: a "line" of a gigabyte without a newline still arrives in 64 KiB pieces.
    while line := stream.readline(65536):
        if line.startswith(b"<?xml") and checked:  # the next document of a bulk file
            yield from _close(parser, name, depth_tags)
            parser, prolog, checked, size = new_parser(), _Prolog(), False, 0
        if not checked:
            if not prolog.add(line):
                if len(prolog.data) >= MAX_PROLOG:
                    raise UnsafeXMLError(
                        f"{name}: refused: more than {MAX_PROLOG} bytes before the root element"
                    )
                continue
            refuse_entity_declarations(bytes(prolog.data), name, allow_unparsed=True)
            checked, line = True, bytes(prolog.data)
        size += len(line)
        if size > MAX_DOCUMENT_BYTES:
            raise UnsafeXMLError(f"{name}: refused: a document larger than {MAX_DOCUMENT_BYTES} bytes")
        try:
            parser.feed(line)
        except etree.XMLSyntaxError as exc:
            raise _syntax_error(name, exc) from exc
        yield from _events(parser, depth_tags)
    if checked:
        yield from _close(parser, name, depth_tags)


def _events(parser: Any, tags: set[str]) -> Iterator[Any]:
    for _event, el in parser.read_events():
        tag = el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""
        if tag in tags and el.getparent() is None:
            yield el
        elif tag in _UNREAD_SECTIONS:
            el.clear()  # the description and drawings are most of a document, and never read


def _close(parser: Any, name: str, tags: set[str]) -> Iterator[Any]:
    from lxml import etree

    try:
        parser.close()
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(name, exc) from exc
    yield from _events(parser, tags)


def _syntax_error(name: str, exc: Exception) -> ItemError:
    if _LIMITS.search(str(exc)):
        return UnsafeXMLError(f"{name}: refused: {exc}")
    return _NotWellFormedError(f"{name}: not well-formed XML: {exc}")


def _read_stream(stream: IO[bytes], name: str, *, recover: bool) -> list[PatentRecord] | str:
    """The records in the stream, or the reason it holds no patents."""
    stream.seek(0)
    records = []
    for root in _documents(stream, name, recover):
        tag = root.tag.rsplit("}", 1)[-1]
        if tag in _NOT_PATENTS:
            return _NOT_PATENTS[tag]
        records.append(_READERS[tag](root))
        root.clear()
    return records


# UTF-16 and UTF-32 XML, by byte-order mark or by how "<?" is written; the reader works on UTF-8.
_WIDE = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)


def _as_utf8(stream: IO[bytes], head: bytes, name: str) -> IO[bytes]:
    """``stream`` itself, or for UTF-16/32 XML the same document transcoded to UTF-8."""
    encoding = next((enc for start, enc in _WIDE if head.startswith(start)), None)
    if encoding is None:
        return stream
    stream.seek(0)
    data = stream.read(4 * MAX_DOCUMENT_BYTES + 1)
    if len(data) > 4 * MAX_DOCUMENT_BYTES:
        raise UnsafeXMLError(f"{name}: refused: a {encoding} file larger than {4 * MAX_DOCUMENT_BYTES} bytes")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise _NotWellFormedError(f"{name}: not valid {encoding.upper()} text: {exc.reason}") from None
    text = re.sub(r"^(<\?xml[^>]*?encoding\s*=\s*)(['\"])[^'\"]*\2", r"\1\2UTF-8\2", text.lstrip("\ufeff"))
    return io.BytesIO(text.encode("utf-8"))


def read_patent_stream(stream: IO[bytes], path: Path) -> FileReport:
    """Read every patent document in a seekable binary stream; never raises for bad content."""
    warning = None
    try:
        head = stream.read(4096)
        stream = _as_utf8(stream, head, str(path))
        stream.seek(0)
        reason = _sniff(stream.read(4096))
        if reason:
            return FileReport(path, error=reason, unsupported=True)
        try:
            records = _read_stream(stream, str(path), recover=False)
        except _NotWellFormedError as exc:
            # Real office files carry the odd bare "&" or broken attribute; read them leniently.
            warning = f"{exc}; read leniently"
            records = _read_stream(stream, str(path), recover=True)
        if isinstance(records, str):
            return FileReport(path, error=records, unsupported=True)
        if not records:
            return FileReport(path, error="no patent document found (unknown XML format)", unsupported=True)
        return FileReport(path, records=tuple(records), warning=warning)
    except ItemError as exc:
        return FileReport(path, error=str(exc))
    except (AttributeError, TypeError, ValueError):  # a document missing what its format requires
        # Say why in words: the XML error that made us read leniently is the cause when there was one.
        why = f"{warning}, which left it" if warning else f"{path}: the document is"
        missing = "a part its format requires (such as the publication number or title) is missing"
        return FileReport(path, error=f"{why} incomplete: {missing}; it was not imported")


def read_patent_file(path: Path) -> FileReport:
    """Read every patent document in the file at ``path``; never raises for a bad or unsupported file."""
    try:
        with path.open("rb") as stream:
            return read_patent_stream(stream, path)
    except OSError as exc:
        return FileReport(path, error=f"{path}: cannot read: {exc}")
