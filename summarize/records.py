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
