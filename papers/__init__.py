"""Papers: trends → one Markdown white paper per industry and edition; the editors' lifecycle."""

from papers.content import PaperSettings
from papers.draft import DraftOutcome, draft_papers, paper_path, proposal_path
from papers.editions import CADENCES, Edition, edition_for, parse_edition
from papers.lifecycle import TRANSITIONS, StatusChange, change_status, find_paper
from papers.merge import MergeResult, merge3

__all__ = [
    "CADENCES",
    "TRANSITIONS",
    "DraftOutcome",
    "Edition",
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
]
