"""Papers: trends → one Markdown white paper per industry and edition; the editors' lifecycle; the
members' e-mail digests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest.lazy import lazy_exports

if TYPE_CHECKING:
    from papers.digest import DigestReport, send_digests
    from papers.draft import DraftOutcome, draft_papers, paper_path, proposal_path
    from papers.editions import CADENCES, Edition, PaperSettings, edition_for, parse_edition
    from papers.lifecycle import TRANSITIONS, StatusChange, change_status, find_paper
    from papers.mailer import MailSettings
    from papers.merge import MergeResult, merge3

_EXPORTS = {
    "PaperSettings": "papers.editions",
    "DigestReport": "papers.digest",
    "send_digests": "papers.digest",
    "DraftOutcome": "papers.draft",
    "draft_papers": "papers.draft",
    "paper_path": "papers.draft",
    "proposal_path": "papers.draft",
    "CADENCES": "papers.editions",
    "Edition": "papers.editions",
    "edition_for": "papers.editions",
    "parse_edition": "papers.editions",
    "TRANSITIONS": "papers.lifecycle",
    "StatusChange": "papers.lifecycle",
    "change_status": "papers.lifecycle",
    "find_paper": "papers.lifecycle",
    "MailSettings": "papers.mailer",
    "MergeResult": "papers.merge",
    "merge3": "papers.merge",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "CADENCES",
    "TRANSITIONS",
    "DigestReport",
    "DraftOutcome",
    "Edition",
    "MailSettings",
    "MergeResult",
    "PaperSettings",
    "StatusChange",
    "change_status",
    "draft_papers",
    "edition_for",
    "find_paper",
    "merge3",
    "paper_path",
    "parse_edition",
    "proposal_path",
    "send_digests",
]
