"""Typed, frozen records of the analysis stage."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Industry:
    """A target industry of the cluster, as configured."""

    slug: str
    name: str
    description: str = ""
    keywords: tuple[str, ...] = ()
    patent_classes: tuple[str, ...] = ()  # CPC/IPC prefixes, e.g. "A61B", "D03D"


# The slug the cluster's own field ([cluster] field) is scored under, like an industry: documents
# get a score for it, but it has no trends and no paper of its own. No industry may take this slug.
FIELD = "field"
