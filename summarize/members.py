"""The cluster's members and their competences, matched to trends and opportunities.

A member file is the cluster's own record (TOML ``[[members]]`` tables, or CSV with a header row):
name, competences in words, keywords, industries of interest, contact e-mail, and whether they want
the digest. ``load_members`` reads it leniently: every problem is listed with its entry and key
(``check`` shows them all at once), and the valid entries are used, so one bad member never stops a
run.

A member matches a trend or an opportunity by the similarity of their competences (embedded once,
cached by the hash of the text and model) to its documents, plus their keywords found in those
documents and the industries they are interested in; the reason is said in words. The member file
is read, never copied into the store: only the vectors of competence texts are kept, by hash
(``summarize.store``, which also gathers the subjects: ``load_subjects``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import numpy as np

from ingest.clean import has_controls
from ingest.wording import named, plural
from summarize.assign import keyword_found
from summarize.embed import Embedder
from summarize.records import FIELD

FIELDS = ("name", "competences", "keywords", "industries", "email", "digest")
_ADDRESS = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)
_YES = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False, "": False}


@dataclass(frozen=True)
class Member:
    name: str
    competences: str  # what the member does, in words
    keywords: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()  # slugs of the industries (or "field") they are interested in
    email: str | None = None
    digest: bool = False  # wants the e-mail digest after each publication

    @property
    def text(self) -> str:
        """What a member is embedded as."""
        return ". ".join(p for p in (self.competences, ", ".join(self.keywords)) if p)


@dataclass(frozen=True)
class MemberFile:
    path: Path
    members: tuple[Member, ...]  # the valid entries
    problems: tuple[str, ...]  # every problem, with the entry and key: "members[2] (Acme).email: ..."


def email_address(value: str) -> str | None:
    """``value`` as a plain address if it is one (``a@b.example``), else None."""
    name, address = parseaddr(value)
    if name or address != value.strip() or not _ADDRESS.match(address) or ".." in address:
        return None
    return address


def load_members(path: Path, industries: Collection[str]) -> MemberFile:
    """The members in ``path`` (``.toml`` or ``.csv``); ``industries``: the slugs an interest may name."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return MemberFile(path, (), (f"{path}: no such file",))
    except UnicodeDecodeError as exc:
        return MemberFile(path, (), (f"{path}: is not UTF-8 text ({exc.reason} at byte {exc.start})",))
    except OSError as exc:
        return MemberFile(path, (), (f"{path}: cannot be read: {exc.strerror}",))
    problems: list[str] = []
    if path.suffix.lower() == ".csv":
        entries = _csv_entries(text, problems)
    elif path.suffix.lower() == ".toml":
        entries = _toml_entries(text, problems)
    else:
        return MemberFile(path, (), (f"{path}: must be a .toml or .csv file",))
    members: list[Member] = []
    seen: set[str] = set()
    for where, entry in entries:
        member = _member(where, entry, set(industries) | {FIELD}, problems)
        if member is None:
            continue
        if member.name.casefold() in seen:
            problems.append(f"{where}.name: {member.name!r} is listed twice")
            continue
        seen.add(member.name.casefold())
        members.append(member)
    if not entries and not problems:
        problems.append("no members listed")
    return MemberFile(path, tuple(members), tuple(f"{path}: {p}" for p in problems))


def _toml_entries(text: str, problems: list[str]) -> list[tuple[str, dict[str, Any]]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"not valid TOML: {exc}")
        return []
    for key in sorted(set(data) - {"members"}):
        problems.append(f"{key}: unknown key (members are [[members]] tables)")
    raw = data.get("members", [])
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        problems.append("members: must be an array of tables ([[members]])")
        return []
    return [(f"members[{n}]", e) for n, e in enumerate(raw)]


def _csv_entries(text: str, problems: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """Rows of a CSV file with a header; keywords and industries are separated by ';'."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    if not header:
        problems.append("no header row (name,competences,keywords,industries,email,digest)")
        return []
    missing = [f for f in ("name", "competences") if f not in header]
    if missing:
        problems.append(f"the header row lacks {', '.join(missing)} (columns: {', '.join(FIELDS)})")
        return []
    out = []
    try:
        for row in reader:
            entry: dict[str, Any] = {}
            for key, value in row.items():
                key = (key or "").strip()
                if isinstance(value, list):  # more cells than the header has
                    entry["<extra cells>"] = value
                    continue
                value = (value or "").strip()
                if key in ("keywords", "industries"):
                    entry[key] = [v.strip() for v in value.split(";") if v.strip()]
                elif key == "digest":
                    entry[key] = _YES.get(value.lower(), value)
                elif key == "email" and not value:
                    continue
                else:
                    entry[key] = value
            out.append((f"line {reader.line_num}", entry))
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: not valid CSV: {exc}")
    return out


def _member(where: str, entry: Mapping[str, Any], interests: set[str], problems: list[str]) -> Member | None:
    """One entry as a Member, or None (with its problems added) when it is not usable."""
    before = len(problems)
    name = entry.get("name")
    label = named(where, name)
    for key in sorted(set(entry) - set(FIELDS)):
        problems.append(f"{label}.{key}: unknown key (known: {', '.join(FIELDS)})")

    def text(key: str, required: bool, limit: int) -> str:
        value = entry.get(key, "")
        if not isinstance(value, str):
            problems.append(f"{label}.{key}: must be text, not {type(value).__name__}")
            return ""
        value = value.strip()
        if required and not value:
            problems.append(f"{label}.{key}: is required")
        elif has_controls(value.replace("\n", " ")) or (key == "name" and "\n" in value):
            problems.append(f"{label}.{key}: may not contain control characters")
        elif len(value) > limit:
            problems.append(f"{label}.{key}: has {len(value)} characters; at most {limit}")
        return value

    def strings(key: str) -> tuple[str, ...]:
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f"{label}.{key}: must be a list of text")
            return ()
        return tuple(v.strip() for v in value if v.strip())

    name = text("name", True, 200)
    competences = text("competences", True, 5000)
    keywords = strings("keywords")
    industries = strings("industries")
    for slug in industries:
        if slug not in interests:
            known = ", ".join(sorted(interests))
            problems.append(f"{label}.industries: unknown industry {slug!r} (configured: {known})")
    email = None
    raw_email = entry.get("email")
    if raw_email is not None and (not isinstance(raw_email, str) or not (email := email_address(raw_email))):
        problems.append(
            f"{label}.email: {raw_email!r} is not an e-mail address such as 'office@member.example'"
        )
    digest = entry.get("digest", False)
    if not isinstance(digest, bool):
        problems.append(f"{label}.digest: must be true or false, not {digest!r}")
        digest = False
    if digest and email is None and raw_email is None:
        problems.append(f"{label}.digest: is true, but the member has no email to send it to")
    if len(problems) > before:
        return None
    return Member(name, competences, keywords, industries, email, digest)


# --- matching -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchSettings:
    # A member matches at this score or more: the cosine of their competences and the subject's
    # documents, plus the bonuses below, which confirm a similar subject but must not carry a
    # dissimilar one. Measured with all-MiniLM-L6-v2 on the labelled demo and real-feed members:
    # subjects a member's labels call relevant scored 0.56-0.97; the others in the member's own
    # industries had a similarity of 0.29-0.38 and reached 0.40-0.49 with the interest bonus. At the
    # first setting, 0.40, precision at 3 was 0.41 (demo) and 0.75 (real feeds); at 0.50 it is 1.00.
    threshold: float = 0.5
    keyword_bonus: float = 0.05  # per keyword of the member's found in the subject's documents, up to three
    interest_bonus: float = 0.1  # the subject concerns an industry the member is interested in
    per_subject: int = 3  # members shown per trend or opportunity (in drafts)


@dataclass(frozen=True)
class Subject:
    """A trend or an opportunity, as matching sees it."""

    kind: str  # "trend" or "opportunity"
    subject_id: str
    name: str
    industries: tuple[str, ...]  # the slugs it concerns (an opportunity: both sides)
    vector: np.ndarray  # unit centroid of its documents
    text: str  # its documents' titles and leads: where keywords are looked for


@dataclass(frozen=True)
class Match:
    member: Member
    subject: Subject
    score: float
    similarity: float
    keywords: tuple[str, ...]
    interests: tuple[str, ...]  # names of the industries of interest it concerns


def member_fingerprint(model: str, member: Member) -> str:
    return hashlib.sha256(f"{model}\0{member.text}".encode()).hexdigest()


def embed_members(
    embedder: Embedder, members: Sequence[Member], cached: Mapping[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each member's unit vector by name, and the new vectors by fingerprint (to cache): only members
    whose text is not in ``cached`` (fingerprint → vector) are embedded, in one call."""
    prints = {m.name: member_fingerprint(embedder.model_id, m) for m in members}
    missing = [m for m in members if prints[m.name] not in cached]
    fresh: dict[str, np.ndarray] = {}
    if missing:
        vectors = embedder.embed([m.text for m in missing])
        fresh = {prints[m.name]: vectors[k] for k, m in enumerate(missing)}
    known = {**cached, **fresh}
    return {m.name: known[prints[m.name]] for m in members}, fresh


def match_members(
    members: Sequence[Member],
    vectors: Mapping[str, np.ndarray],
    subjects: Sequence[Subject],
    names: Mapping[str, str],
    settings: MatchSettings | None = None,
) -> list[Match]:
    """Every (member, subject) pair at the threshold or above, best first. ``names``: slug → name of
    the industries (and the field), for the reasons."""
    settings = settings or MatchSettings()
    out = []
    for member in members:
        vector = vectors[member.name]
        for subject in subjects:
            similarity = float(vector @ subject.vector)
            haystack = subject.text.lower()
            found = tuple(k for k in member.keywords if keyword_found(k, haystack))
            interests = tuple(names.get(s, s) for s in subject.industries if s in member.industries)
            score = (
                similarity
                + settings.keyword_bonus * min(len(found), 3)
                + (settings.interest_bonus if interests else 0.0)
            )
            if score >= settings.threshold:
                out.append(Match(member, subject, round(score, 4), round(similarity, 4), found, interests))
    return sorted(out, key=lambda m: (-m.score, m.member.name, m.subject.subject_id))


def by_subject(matches: Sequence[Match], per_subject: int) -> dict[str, tuple[Match, ...]]:
    """Subject id → its best ``per_subject`` matches."""
    out: dict[str, list[Match]] = {}
    for m in matches:
        shown = out.setdefault(m.subject.subject_id, [])
        if len(shown) < per_subject:
            shown.append(m)
    return {k: tuple(v) for k, v in out.items()}


def member_summary(member_file: MemberFile) -> str:
    """ "7 members (5 want the digest)" """
    wanting = sum(m.digest for m in member_file.members)
    verb = "wants" if wanting == 1 else "want"
    return f"{plural(len(member_file.members), 'member')} ({wanting} {verb} the digest)"
