"""A paper's lifecycle: draft → approved → published, and withdrawn from any of them; a withdrawn
paper can be approved again (a slip is not for good).

The status lives in the store and in the paper's front matter (with who and when), changed
together: the file first (atomically), then the store in the same transaction's commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from textwrap import shorten

import sqlalchemy as sa

from ingest.errors import InputError
from papers import frontmatter, store
from papers.draft import proposal_path
from papers.files import read_paper, utc_stamp, write_atomic
from papers.footnotes import changed_quotations, undefined_footnote_warnings, undefined_footnotes
from papers.i18n import LANGUAGES, Texts, all_translations
from papers.merge import conflict_line
from papers.renames import heading_problems, take_renames, with_new_names
from papers.sitecheck import content_problems
from papers.sitefiles import render_markdown

# action → (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({"draft", "withdrawn"}), "approved"),
    "publish": (frozenset({"approved"}), "published"),
    "withdraw": (frozenset({"draft", "approved", "published"}), "withdrawn"),
}
EDITOR_PROMPT = "**To fill in by the editors.**"  # the paper template's mark, in any of its languages


# The prompts' lines as the paper template writes them (papers/templates/paper.md.j2), in every
# language: the site leaves out exactly these, so that an answer typed among them stays.
_PROMPT_LINES = (
    ("**To fill in by the editors.**", "Replace these prompts with your own text before approving."),
    ("Which members work on the key trends above? Who could supply, partner or buy?",),
    ("Which of these trends opens a market for our members, and which threatens one?",),
    ("Which event, call for funding or project should members know about?",),
)


def _prompt_lines() -> frozenset[str]:
    lines = {">"}
    for language in LANGUAGES:
        tr = Texts(language)
        first, *questions = (" ".join(tr.gettext(part) for part in parts) for parts in _PROMPT_LINES)
        lines |= {f"> {first}", *(f"> - {q}" for q in questions)}
    return frozenset(lines)


def prompt_block(lines: list[str]) -> tuple[int, int] | None:
    """Where the editors' prompts stand in a paper's ``lines``: the block quote that opens with
    ``EDITOR_PROMPT`` in any language (start, end), or None."""
    opening = tuple(f"> {p}" for p in all_translations(EDITOR_PROMPT))
    start = next((k for k, line in enumerate(lines) if line.startswith(opening)), None)
    if start is None:
        return None
    return start, next((k for k in range(start, len(lines)) if not lines[k].startswith(">")), len(lines))


def without_prompts(text: str) -> str:
    """``text`` for members: without the editors' prompts where they were left in (the lines of
    the template's block quote, in any language; what the editors typed among them stays), and
    without the heading above them when nothing else is under it."""
    lines = text.split("\n")
    found = prompt_block(lines)
    if found is None:
        return text
    start, end = found
    prompts = _prompt_lines()
    answers = [line for line in lines[start:end] if line.rstrip() not in prompts]
    if any(a.lstrip("> ").strip() for a in answers):  # the editors answered among the prompts
        lines[start:end] = answers
        return "\n".join(lines)
    del lines[start:end]
    above = start - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    below = next((k for k in range(start, len(lines)) if lines[k].strip()), len(lines))
    alone = below == len(lines) or lines[below].startswith("#")
    if above >= 0 and lines[above].startswith("## ") and alone:
        del lines[above:start]  # a section of nothing but the prompts
    return "\n".join(lines)


@dataclass(frozen=True)
class StatusChange:
    row: store.PaperRow
    path: Path
    warnings: tuple[str, ...]
    before: store.PaperRow  # the paper as it was, and its file's text (None: there was none)
    text_before: str | None = None
    newline: str = "\n"
    renamed: tuple[str, ...] = ()  # the trends the editors renamed in its headings, in words


def find_paper(conn: sa.Connection, industry: str, edition: str | None) -> store.PaperRow:
    """The paper of ``industry`` for ``edition``, or its latest edition; an ``InputError`` if none."""
    rows = store.list_papers(conn, industry)
    if edition:
        rows = [r for r in rows if r.edition == edition]
    if not rows:
        which = f"{industry} {edition}" if edition else industry
        raise InputError(f"no paper {which} (draft one with `trendpapers draft`)")
    return rows[-1]


def _without_status(text: str, path: Path) -> tuple[dict[str, object], str]:
    """A paper's front matter and text without what approval and publication write (``status``,
    ``approved_at``, ``published_by``, ...): no editor's edit."""
    meta, body = frontmatter.split(text, str(path))
    return {k: v for k, v in meta.items() if k != "status" and not k.endswith(("_at", "_by"))}, body


def paper_flags(directory: Path, row: store.PaperRow) -> list[str]:
    """What an editor should know of a paper's file: its text edited since drafting, a status
    written by hand (only the commands and the desk change it), missing or unreadable, a proposal
    waiting beside it."""
    path = directory / row.path
    flags = []
    try:
        text = read_paper(path)[0]
        if _without_status(text, path) != _without_status(row.base, path):
            flags.append("edited")
        if frontmatter.split(text, str(path))[0].get("status", row.status) != row.status:
            flags.append("status in the file differs")
    except FileNotFoundError:
        flags.append("file missing")
    except InputError as exc:
        flags.append(str(exc).removeprefix(f"{path}: "))
    if proposal_path(path).exists():
        flags.append("proposal waiting")
    return flags


def drafted_from(text: str, path: Path) -> int | None:
    """The number of documents the paper was drafted from (its front matter), if it says."""
    meta, _ = frontmatter.split(text, str(path))
    provenance = meta.get("provenance")
    count = provenance.get("documents") if isinstance(provenance, dict) else None
    return count if isinstance(count, int) else None


def change_status(
    engine: sa.Engine,
    directory: Path,
    industry: str,
    edition: str | None,
    action: str,
    by: str | None,
    now: datetime | None = None,
    force: bool = False,
    site_url: str | None = None,
    texts: Texts | None = None,
) -> StatusChange:
    """Apply ``action`` (approve, publish, withdraw) to a paper; the file's front matter follows.

    An empty paper (no documents, the editors' prompts still in it) is refused for approval and
    publication unless ``force``, and so is what the site's build would refuse (``site_url``: the
    site's own address, whose images it may show). A paper whose file is gone can still be withdrawn
    (from the store).
    """
    allowed, target = TRANSITIONS[action]
    now = now or datetime.now(UTC)
    tr = texts or Texts()  # the editors' notices in the workspace's language
    with engine.begin() as conn:
        row = find_paper(conn, industry, edition)
        path = directory / row.path
        name = f"{row.industry} {row.edition}"
        if row.status not in allowed:
            raise InputError(
                f"{name} is {row.status}; only {' or '.join(sorted(allowed))} papers can be {target}"
            )
        try:
            text, newline = read_paper(path)
        except FileNotFoundError:
            if target != "withdrawn":
                raise InputError(f"{name}: the file {path} is missing (draft it again)") from None
            text, newline = "", "\n"
        warnings: list[str] = []
        renames: list[str] = []
        if target in ("approved", "published"):
            if (line := conflict_line(text)) is not None:
                raise InputError(
                    f"{path}:{line}: holds unresolved merge conflict markers ('<<<<<<<'); resolve them first"
                )
            if any(prompt in text for prompt in all_translations(EDITOR_PROMPT)):
                if drafted_from(text, path) == 0 and not force:
                    raise InputError(
                        f"{path}: is empty (no documents in its window, and the editors' prompts are "
                        f"still in it): nothing for members to read; write it, or {action} with --force"
                    )
                warnings.append(
                    tr.gettext(
                        "%(path)s: the editors' prompts are still in the text (the site leaves them out)"
                    )
                    % {"path": path}
                )
            unnamed, unanchored = heading_problems(row.base, text)
            if unnamed:
                raise InputError(f"{path}: " + "; ".join(unnamed))
            meta, body = frontmatter.split(text, str(path))
            wrong = [
                f"its front matter says {key}: {meta[key]!r}; put back {own!r}"
                for key, own in (("industry", row.industry), ("edition", row.edition))
                if key in meta and str(meta[key]) != own
            ]
            if wrong:  # the file and the store would tell two papers apart
                raise InputError(f"{path}: " + "; ".join(wrong))
            refused = content_problems(render_markdown(body), site_url)
            if refused:  # the site's build would stop at it: said now, not when publishing
                raise InputError(
                    f"{path}: the site refuses "
                    + "; ".join(refused)
                    + " (it shows no scripts, frames, forms, event handlers or files from other sites)"
                )
            warnings += [f"{path}: {problem}" for problem in unanchored]
            warnings += undefined_footnote_warnings(path, *undefined_footnotes(conn, text))
            warnings += [
                tr.gettext(
                    "%(path)s:%(line)d: the sentence cited to its source is no longer the source's words "
                    "(%(sentence)s), and the method section says every cited sentence is quoted: put the "
                    "quotation back, or take its footnote off"
                )
                % {"path": path, "line": line, "sentence": repr(shorten(sentence, 60, placeholder=" …"))}
                for line, sentence in changed_quotations(row.base, text)
            ]
            renames = take_renames(conn, row.base, text, by, now, tr)
            text = with_new_names(row.base, text)  # the new name in the paper's other places too
            if proposal_path(path).exists():
                warnings.append(
                    tr.gettext("%(path)s: a proposed new version is waiting to be reviewed")
                    % {"path": proposal_path(path)}
                )
        stamp = utc_stamp(now)
        values: dict[str, object | None] = {"status": target, f"{target}_at": stamp, f"{target}_by": by}
        if row.status == "withdrawn":  # approved again: what the paper went through before is history
            values |= {f"{step}_{what}": None for step in ("published", "withdrawn") for what in ("at", "by")}
        if text:
            write_atomic(path, frontmatter.update(text, str(path), values), newline)
        else:
            warnings.append(f"{path}: the file is missing; the paper is withdrawn in the store only")
        changed = store.PaperRow(**{**row.__dict__, "status": target, "status_by": by, "status_at": now})
        store.save_paper(conn, changed)
        store.add_event(conn, row.industry, row.edition, target, by, now)
    return StatusChange(changed, path, tuple(warnings), row, text or None, newline, tuple(renames))


def undo_status(engine: sa.Engine, change: StatusChange) -> None:
    """Put a paper back as it was before ``change`` (file, status and history): a publication whose
    site build failed did not happen."""
    with engine.begin() as conn:
        if change.text_before is not None:
            write_atomic(change.path, change.text_before, change.newline)
        store.save_paper(conn, change.before)
        store.drop_last_event(conn, change.row.industry, change.row.edition)
