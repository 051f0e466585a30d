"""The workspace's member file ([cluster] members): loaded for the stages, checked for `check`, and
matched to trends and opportunities for `members match`, the drafts and `papers show`.

Loading is lenient (the valid entries are used, each problem is logged with its entry), so one bad
member never stops a run; `check` shows every problem at once and fails.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa

from ingest.errors import ConfigError
from summarize.members import (
    Match,
    Member,
    MemberFile,
    embed_members,
    load_members,
    match_members,
    member_fingerprint,
    member_summary,
)
from summarize.records import FIELD
from trendpapers.config import Config

log = logging.getLogger(__name__)


def member_file(config: Config, *, logged: bool = True) -> MemberFile | None:
    """The member file, read leniently (its problems ``logged``); None when the workspace names none."""
    path = config.cluster.members_file
    if path is None:
        return None
    found = load_members(path, [i.slug for i in config.industries])
    for problem in found.problems if logged else ():
        log.warning("member file: %s (this entry is left out)", problem)
    return found


def check_member_file(config: Config) -> str | None:
    """What `check` says of the member file (None: there is none); a ``ConfigError`` with every
    problem at once."""
    found = member_file(config, logged=False)  # the error says it all
    if found is None:
        return None
    if found.problems:
        raise ConfigError(list(found.problems), str(found.path))
    return f"{found.path}: OK ({member_summary(found)})"


def side_names(config: Config) -> dict[str, str]:
    """Slug → name of every industry and the field."""
    names = {i.slug: i.name for i in config.industries}
    if config.cluster.field:
        names[FIELD] = config.cluster.field.name
    return names


def current_matches(
    config: Config, conn: sa.Connection, members: Sequence[Member], *, save: bool = False
) -> list[Match]:
    """``members`` matched to the store's current trends and opportunities. Vectors cached by the
    analysis are used; a member changed since then is embedded now (the model loads only then), and
    with ``save`` cached (``conn`` must then be writable)."""
    from summarize import store
    from summarize.embed import load_embedder

    if not members:
        return []
    embedder = load_embedder(config.analysis.embed)  # the analysis's model: its vectors' space
    prints = [member_fingerprint(embedder.model_id, m) for m in members]
    vectors, fresh = embed_members(embedder, members, store.load_member_vectors(conn, prints))
    if save and fresh:
        store.save_member_vectors(conn, fresh)
    names = side_names(config)
    found = store.load_subjects(conn, embedder.model_id, names)
    return match_members(members, vectors, found, names, config.cluster.matching)


def match_lines(config: Config, only: str | None) -> list[str]:
    """Each member (or the one named ``only``, any case) with the trends and opportunities matched to
    them, best first, and why."""
    from papers.i18n import Texts
    from papers.render import member_reason  # the reasons in the workspace's language, as the papers say them
    from trendpapers.db import open_store

    found = member_file(config)
    if found is None:
        raise ConfigError(['cluster.members: no member file is configured (e.g. members = "members.toml")'])
    members = list(found.members)
    if only:
        members = [m for m in members if m.name.casefold() == only.casefold()]
        if not members:
            names = ", ".join(m.name for m in found.members) or "none"
            raise ConfigError([f"no member named {only!r} in {found.path} (members: {names})"])
    with open_store(config.storage_url, read_only=True).connect() as conn:
        matches = current_matches(config, conn, members)
    threshold = config.cluster.matching.threshold
    tr = Texts(config.language)
    kinds = {"trend": tr.gettext("trend"), "opportunity": tr.gettext("opportunity")}
    lines = []
    for member in members:
        contact = f" <{member.email}>" if member.email else ""
        answer = tr.gettext("yes") if member.digest else tr.gettext("no")
        lines.append(f"{member.name}{contact}: " + tr.gettext("digest %(answer)s") % {"answer": answer})
        own = [m for m in matches if m.member.name == member.name]
        lines += [
            f"  {tr.decimal(m.score)} {kinds.get(m.subject.kind, m.subject.kind):<11} "
            f"{m.subject.subject_id:<16} {m.subject.name}: {member_reason(m, tr)}"
            for m in own
        ] or [
            "  "
            + tr.gettext("no trend or opportunity reaches the threshold (%(threshold)s)")
            % {"threshold": f"{threshold:.2f}"}
        ]
    return lines
