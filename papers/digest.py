"""E-mail digests: after publication, one message per member who wants it, with the papers published
since their last digest, the trends and opportunities of those papers matched to them (with the
reasons), and links to the site.

Each message has a plain-text part and an HTML part rendered from Markdown (the ``markdown``
package; every value from a feed or the member file escaped, links only to http(s)), and a
``List-Unsubscribe`` header. What each address was sent is recorded per paper, so a re-run sends
nothing twice; a message that fails (a refused recipient, a dropped connection) is recorded as
failed, reported by the member's name, and tried again on the next run; it never stops the others.
``dry_run`` writes the messages as ``.eml`` files instead and records nothing. A digest's own words
are in the workspace's language (``papers.i18n``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

from ingest.errors import ConfigError
from papers import store
from papers.escape import Md, md_link, md_text
from papers.files import write_atomic
from papers.i18n import N_, MdMessage, Texts
from papers.mailer import Mailer, MailError, MailSettings, SendError
from papers.render import member_reason
from summarize.members import Match, Member

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DigestPaper:
    key: str  # "INDUSTRY/EDITION", as deliveries are recorded
    title: str
    industry: str  # its name
    edition: str
    url: str
    trend_ids: frozenset[str]
    industry_slug: str


@dataclass(frozen=True)
class Outcome:
    member: str
    recipient: str
    action: str  # sent, failed, written, up to date
    papers: int = 0
    detail: str = ""  # the error, or the file written


@dataclass(frozen=True)
class DigestReport:
    outcomes: tuple[Outcome, ...] = ()
    skipped: tuple[str, ...] = field(default_factory=tuple)  # members who want no digest, or have no address

    @property
    def failed(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.action == "failed")


def _absolute(site_url: str, path: str) -> str:
    return site_url.rstrip("/") + "/" + path


def published_papers(
    conn: sa.Connection, site_url: str, names: dict[str, str], titles: Callable[[store.PaperRow], str]
) -> list[DigestPaper]:
    """The published papers, newest edition first, with their addresses on the site."""
    rows = sorted(
        store.list_papers(conn, status="published"), key=lambda r: (r.edition_start, r.industry), reverse=True
    )
    return [
        DigestPaper(
            f"{r.industry}/{r.edition}",
            titles(r),
            names.get(r.industry, r.industry),
            r.edition,
            _absolute(site_url, f"papers/{quote(r.industry)}/{quote(r.edition)}/"),
            frozenset(t.id for t in r.trends),
            r.industry,
        )
        for r in rows
    ]


def _wanted(member: Member, paper: DigestPaper, matches: Sequence[Match]) -> bool:
    """Whether ``paper`` goes into the member's digest: one who names the industries they follow gets
    those industries' papers, and any other with a trend or opportunity matched to them; one who
    names none, every paper. A medical-technology firm got the textile paper, with "No trend in these
    papers matches your competences"."""
    return (
        not member.industries
        or paper.industry_slug in member.industries
        or bool(_relevant(matches, member, [paper]))
    )


def _relevant(matches: Sequence[Match], member: Member, papers: Sequence[DigestPaper]) -> list[Match]:
    """The member's matches among the new papers: their trends, and opportunities of their industries."""
    trends = {t for p in papers for t in p.trend_ids}
    industries = {p.industry_slug for p in papers}
    return [
        m
        for m in matches
        if m.member.name == member.name
        and (
            (m.subject.kind == "trend" and m.subject.subject_id in trends)
            or (m.subject.kind == "opportunity" and industries & set(m.subject.industries))
        )
    ]


def _subject_url(site_url: str, m: Match) -> str:
    if m.subject.kind == "trend":
        return _absolute(site_url, f"trends/{quote(m.subject.subject_id)}/")
    return _absolute(site_url, f"opportunities/#{quote(m.subject.subject_id)}")


def digest_text(
    member: Member,
    papers: Sequence[DigestPaper],
    matches: Sequence[Match],
    cluster: str,
    site_url: str,
    unsubscribe: str,
    texts: Texts | None = None,
) -> tuple[str, str]:
    """The message's plain text and its Markdown (for the HTML part), from the same lines; its own
    words in the language of ``texts`` (default English)."""
    tr = texts or Texts()
    plain: list[str] = []
    marked: list[str] = []

    def line(text: str, markdown: str | None = None) -> None:
        plain.append(text)
        marked.append(text if markdown is None else markdown)

    def both(message: str, **values: str | Md) -> None:
        """A line of ours: plain, and as Markdown with the values escaped (``Md`` ones kept)."""
        line(tr.gettext(message) % values, tr.md(message) % values)

    both(N_("Dear %(name)s,"), name=member.name)
    line("")
    published = tr.ngettext(
        "%(cluster)s has published %(num)d new paper:",
        "%(cluster)s has published %(num)d new papers:",
        len(papers),
    )
    line(
        published % {"cluster": cluster, "num": len(papers)},
        MdMessage(published) % {"cluster": cluster, "num": len(papers)},
    )
    line("")
    for p in papers:
        # Industry and edition beside a title that does not say them already (the editors' own title).
        said = p.industry in p.title and p.edition in p.title
        where = "" if said else f" ({p.industry}, {p.edition})"
        line(f"- {p.title}{where}: {p.url}", f"- {md_link(p.title, p.url)}{md_text(where)}")
    line("")
    if matches:
        heading = tr.gettext("Matched to your competences")
        line(heading, "## " + md_text(heading))
        line("")
        for m in matches:
            kind = tr.gettext("Trend") if m.subject.kind == "trend" else tr.gettext("Opportunity")
            url = _subject_url(site_url, m)
            line(
                f"- {kind}: {m.subject.name} <{url}>",
                f"- **{md_text(kind)}: {md_link(m.subject.name, url)}**",
            )
            why, reason = tr.gettext("Why:"), member_reason(m, tr, scores=False)
            line(f"  {why} {reason}", f"    - {md_text(why)} {md_text(reason)}")
        line("")
    else:
        both(
            N_(
                "No trend in these papers matches your competences closely this time; "
                "the papers have them all."
            )
        )
        line("")
    home = _absolute(site_url, "")
    line(
        tr.gettext("All papers: %(url)s") % {"url": home},
        tr.md("All papers: %(url)s") % {"url": md_link(home, home)},
    )
    line("")
    farewell = N_("You receive this digest as a member of %(cluster)s. To receive no more: %(target)s")
    line(
        tr.gettext(farewell) % {"cluster": cluster, "target": unsubscribe},
        tr.md(farewell) % {"cluster": cluster, "target": _unsubscribe_md(unsubscribe)},
    )
    return "\n".join(plain) + "\n", "\n".join(marked) + "\n"


def _unsubscribe_md(target: str) -> Md:
    """The unsubscribe target as a link (a mailto: link written out: Markdown's autolink would hide
    the address behind character entities)."""
    if re.fullmatch(r"mailto:[^\s<>()\[\]]+", target):
        return Md(f"[{md_text(target.removeprefix('mailto:').split('?', 1)[0])}]({target})")
    return md_link(target, target)


def unsubscribe_target(settings: MailSettings, cluster: str) -> str:
    """The List-Unsubscribe target: the configured one, else a mail to the sender."""
    if settings.unsubscribe:
        return settings.unsubscribe
    _, address = parseaddr(settings.sender)
    return f"mailto:{address}?subject=unsubscribe"


def compose(
    member: Member,
    papers: Sequence[DigestPaper],
    matches: Sequence[Match],
    cluster: str,
    site_url: str,
    settings: MailSettings,
    now: datetime,
    texts: Texts | None = None,
) -> EmailMessage:
    """One member's digest: plain text and HTML, with the headers a mailing needs."""
    import markdown

    assert member.email is not None
    tr = texts or Texts()
    unsubscribe = unsubscribe_target(settings, cluster)
    plain, marked = digest_text(member, papers, matches, cluster, site_url, unsubscribe, tr)
    html = markdown.markdown(marked, extensions=["sane_lists"], output_format="html")
    # Long header values (an unsubscribe URL) are kept whole, not turned into encoded words that
    # mail programs would not read as a URL; the body parts are quoted-printable, 7-bit clean.
    message = EmailMessage(policy=policy.SMTP.clone(max_line_length=998))
    message["From"] = settings.sender
    message["To"] = formataddr((member.name, member.email))
    editions = ", ".join(sorted({f"{p.industry} {p.edition}" for p in papers}))
    message["Subject"] = tr.gettext("%(cluster)s: new trend papers (%(editions)s)") % {
        "cluster": cluster,
        "editions": editions,
    }
    message["Date"] = format_datetime(now)
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid("digest", domain=domain)
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    if unsubscribe.startswith("https:"):
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(plain)
    message.add_alternative(
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n{html}\n</body></html>\n',
        subtype="html",
    )
    return message


def _file_name(member: Member, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", member.name.lower()).strip("-") or "member"
    name, n = f"{base}.eml", 1
    while name in taken:
        n += 1
        name = f"{base}-{n}.eml"
    taken.add(name)
    return name


def send_digests(
    engine: sa.Engine,
    members: Sequence[Member],
    matches: Sequence[Match],
    papers: Sequence[DigestPaper],
    cluster: str,
    site_url: str,
    settings: MailSettings | None,
    *,
    now: datetime,
    dry_run: Path | None = None,
    texts: Texts | None = None,
) -> DigestReport:
    """Each member who wants a digest gets one message with the papers not yet sent to their address.

    ``dry_run``: the messages are written there as ``.eml`` files and nothing is recorded or sent.
    Without ``dry_run``, ``settings`` are needed (a ``ConfigError`` otherwise). ``texts``: the
    language of the messages (default English).
    """
    if dry_run is None and settings is None:
        raise ConfigError(
            ["mail: no [mail] section: set host and from to send digests (or use --dry-run DIR)"]
        )
    mail = settings or MailSettings(host="localhost", sender="digest@localhost")
    skipped = tuple(m.name for m in members if not (m.digest and m.email))
    outcomes: list[Outcome] = []
    taken: set[str] = set()
    mailer = Mailer(mail) if dry_run is None else None
    down: str | None = None  # the server cannot be reached: the rest are recorded as not sent, untried
    try:
        for member in members:
            if not (member.digest and member.email):
                continue
            with engine.connect() as conn:
                done = store.delivered(conn, member.email)
            new = [p for p in papers if p.key not in done]
            wanted = [p for p in new if _wanted(member, p, matches)]
            if not wanted:
                why = "no new paper of the industries they follow" if new else ""
                outcomes.append(Outcome(member.name, member.email, "up to date", detail=why))
                continue
            new = wanted
            relevant = _relevant(matches, member, new)
            message = compose(member, new, relevant, cluster, site_url, mail, now, texts)
            if dry_run is not None:
                path = dry_run / _file_name(member, taken)
                dry_run.mkdir(parents=True, exist_ok=True)
                write_atomic(path, message.as_bytes().decode("utf-8"), newline="\n")
                outcomes.append(Outcome(member.name, member.email, "written", len(new), str(path)))
                continue
            assert mailer is not None
            keys = [p.key for p in new]
            if down is not None:
                outcomes.append(_failed(engine, member, member.email, keys, f"not tried: {down}", now))
                continue
            outcome = _send(engine, mailer, member, member.email, message, keys, now)
            if outcome.action == "failed" and outcome.detail.startswith(MAIL_DOWN):
                down = outcome.detail
            outcomes.append(outcome)
    finally:
        if mailer is not None:
            mailer.close()
    return DigestReport(tuple(outcomes), skipped)


def _send(
    engine: sa.Engine,
    mailer: Mailer,
    member: Member,
    address: str,
    message: EmailMessage,
    keys: list[str],
    now: datetime,
) -> Outcome:
    """Send one digest and record it, sent or failed; a failure is this member's alone."""
    try:
        mailer.send(message, address)
    except SendError as exc:
        return _failed(engine, member, address, keys, str(exc), now)
    except MailError as exc:
        return _failed(engine, member, address, keys, f"{MAIL_DOWN}{exc}", now)
    with engine.begin() as conn:
        store.record_delivery(
            conn, address, member.name, keys, message_id=str(message["Message-ID"]), error=None, at=now
        )
    return Outcome(member.name, address, "sent", len(keys))


MAIL_DOWN = "mail server: "


def _failed(
    engine: sa.Engine, member: Member, address: str, keys: list[str], error: str, now: datetime
) -> Outcome:
    with engine.begin() as conn:
        store.record_delivery(conn, address, member.name, keys, message_id=None, error=error, at=now)
    return Outcome(member.name, address, "failed", len(keys), error)
