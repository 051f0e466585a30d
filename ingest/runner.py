"""The ingest stage: fetch due feeds, store new items, fetch and extract their pages, mark duplicates.

Network work is asynchronous (many hosts at once, each one politely); parsing and extraction are
CPU work and run in a pool of worker processes (one torch-free, single-threaded process per core
beats threads here). Every database write happens on the event-loop thread in a short
transaction, so a crash loses at most the item in flight and a re-run resumes where it stopped.
A broken feed or page is recorded on its source or item and never stops the run.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import random
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool as BrokenExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from ingest import store
from ingest.dedupe import NearDuplicateIndex, content_hash, minhash, words
from ingest.errors import (
    FetchError,
    HostClosedError,
    ItemError,
    RateLimitedError,
    RobotsDisallowedError,
    StorageError,
)
from ingest.extract import detect_language, extract_page
from ingest.feeds import parse_feed
from ingest.fetch import Fetcher, FetchPolicy
from ingest.patentimport import insert_patent_entries
from ingest.records import Document, Extracted, ExtractionStatus, IngestSettings, Item, ParsedFeed, SourceSpec
from ingest.robots import RobotsCache

log = logging.getLogger(__name__)
T = TypeVar("T")

# Texts shorter than this are not compared for near-duplicates: a one-line summary shares too
# large a part of its shingles with any other on the same subject.
MIN_WORDS_NEAR_DUPLICATE = 30
# A page that failed for a passing reason (timeout, 5xx, rate limit, robots.txt unavailable) is
# tried again in later runs; after this many attempts the feed's own text is used instead.
MAX_PAGE_ATTEMPTS = 3


@dataclass(frozen=True)
class SourceOutcome:
    name: str
    status: str  # "ok", "not-modified", "failed", "skipped"
    new_items: int = 0
    error: str | None = None
    warning: str | None = None


@dataclass(frozen=True)
class IngestReport:
    sources: tuple[SourceOutcome, ...]
    new_items: int
    documents: dict[str, int] = field(default_factory=dict)  # by status, plus "duplicate"
    errors: tuple[str, ...] = ()
    requests: int = 0
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase: "feeds", "pages"

    @property
    def counts(self) -> dict[str, int]:
        by_status = Counter(o.status for o in self.sources)
        return {
            "sources_ok": by_status["ok"],
            "sources_not_modified": by_status["not-modified"],
            "sources_failed": by_status["failed"],
            "sources_skipped": by_status["skipped"],
            "new_items": self.new_items,
            "requests": self.requests,
            **{f"documents_{k}": v for k, v in sorted(self.documents.items())},
        }


@dataclass(frozen=True)
class _TextFacts:
    """What the document needs computed from its text; made in a worker process."""

    extracted: Extracted | None  # None when the text is the feed's own
    text: str
    language: str | None
    content_hash: str | None
    minhash: bytes | None  # only for texts long enough to compare (MIN_WORDS_NEAR_DUPLICATE)


def _analyse_text(text: str, declared_language: str | None, extracted: Extracted | None = None) -> _TextFacts:
    """Worker-process job: language and hashes of a document text."""
    text = text.strip()
    if not text:
        return _TextFacts(extracted, "", declared_language, None, None)
    tokens = words(text)
    return _TextFacts(
        extracted,
        text,
        detect_language(text, declared_language),
        content_hash(tokens),
        minhash(tokens) if len(tokens) >= MIN_WORDS_NEAR_DUPLICATE else None,
    )


def _analyse_page(data: bytes, url: str, declared_language: str | None) -> _TextFacts | None:
    """Worker-process job: extraction, language, hashes for one page; None if it has no article text."""
    extracted = extract_page(data, url)
    if extracted is None:
        return None
    return _analyse_text(extracted.text, extracted.page_language or declared_language, extracted)


def _failed_document(item: store.PendingItem, error: str) -> Document:
    return Document(
        item_id=item.id,
        status="failed",
        error=error,
        url=item.link,
        title=item.title,
        text="",
        author=item.author,
        published_at=item.published_at,
        language=None,
        sitename=None,
        content_hash=None,
    )


def _page_date(value: str | None) -> datetime | None:
    """The page's own publication date (ISO 8601), used when the feed gave none."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def _die_with_parent(parent: int) -> None:
    """In a worker: be killed when the parent process dies, even by SIGKILL (Linux), instead of
    living on re-parented to PID 1 with the resource tracker."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """Processes for parsing and extraction, which die with this process however it ends."""
    # "spawn": forking a process that runs an event loop and resolver threads is unsafe.
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(
        workers, mp_context=context, initializer=_die_with_parent, initargs=(os.getpid(),)
    )


def _newest_first(item: Item) -> tuple[bool, float]:
    return item.published_at is None, -(item.published_at.timestamp() if item.published_at else 0.0)


class _Progress:
    """Logs "what: done/total" at most every few seconds, for long runs."""

    def __init__(self, what: str, total: int, every: float = 5.0):
        self.what, self.total, self.every = what, total, every
        self.done = 0
        self._last = time.monotonic()

    def step(self) -> None:
        self.done += 1
        now = time.monotonic()
        if now - self._last >= self.every or self.done == self.total:
            self._last = now
            log.info("%s: %d/%d", self.what, self.done, self.total)


class _Ingest:
    def __init__(
        self,
        engine: sa.Engine,
        policy: FetchPolicy,
        settings: IngestSettings,
        make_executor: Callable[[], Executor] | None,
        now: Callable[[], datetime],
    ):
        self.engine, self.policy, self.settings = engine, policy, settings
        self._make_executor = make_executor
        self.executor = make_executor() if make_executor else None
        self.now = now
        self.errors: list[str] = []
        self.documents: Counter[str] = Counter()

    async def _cpu(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn`` in a worker process. A worker that dies (out of memory, a crash in a C
        library) breaks the pool: it is replaced, and the job tried once more, so that the
        other jobs that were queued in the broken pool do not fail with it."""
        if self.executor is None or self._make_executor is None:
            return fn(*args)
        for attempt in (1, 2):
            executor = self.executor
            try:
                return await asyncio.get_running_loop().run_in_executor(executor, partial(fn, *args))
            except BrokenExecutor as exc:
                if self.executor is executor:  # the first job to notice replaces the pool
                    log.error("a worker process died (%s); starting a new pool", exc)
                    executor.shutdown(wait=False, cancel_futures=True)
                    self.executor = self._make_executor()
                if attempt == 2:
                    raise ItemError(f"a worker process died while processing this input: {exc}") from exc
        raise AssertionError("unreachable")

    def shutdown(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(cancel_futures=True)

    def _backoff(self, failures: int) -> timedelta:
        base = self.settings.failure_backoff * 2 ** max(0, failures - 1)
        return timedelta(seconds=min(base, self.settings.max_failure_backoff) * random.uniform(0.8, 1.2))

    def _fail(
        self, state: store.SourceState, error: str, status: int | None, retry_in: timedelta | None = None
    ) -> SourceOutcome:
        with self.engine.begin() as conn:
            paused = store.record_fetch_failure(
                conn,
                state.id,
                error=error,
                status=status,
                now=self.now(),
                retry_in=retry_in or self._backoff(state.consecutive_failures + 1),
                pause_after=self.settings.pause_after_failures,
            )
        log.warning("source %s: %s%s", state.name, error, " (now paused)" if paused else "")
        self.errors.append(f"source {state.name}: {error}")
        return SourceOutcome(state.name, "failed", error=error)

    async def source(self, fetcher: Fetcher, state: store.SourceState, progress: _Progress) -> SourceOutcome:
        try:
            return await self._source(fetcher, state)
        except (SQLAlchemyError, StorageError):
            raise  # the store failed: stop the run, the feed is not to blame
        except Exception as exc:  # anything else unexpected is this feed's problem, not the run's
            log.exception("source %s failed unexpectedly", state.name)
            return self._fail(state, f"unexpected error: {type(exc).__name__}: {exc}", None)
        finally:
            progress.step()

    async def _source(self, fetcher: Fetcher, state: store.SourceState) -> SourceOutcome:
        try:
            result = await fetcher.fetch(state.url, etag=state.etag, last_modified=state.last_modified)
        except HostClosedError as exc:  # another source's answer: not this one's failure
            log.info("source %s: %s", state.name, exc.reason)
            return SourceOutcome(state.name, "skipped", warning=exc.reason)
        except RateLimitedError as exc:
            return self._fail(state, exc.reason, exc.status, timedelta(seconds=exc.retry_after))
        except FetchError as exc:
            return self._fail(state, exc.reason, exc.status)
        if result.not_modified:
            with self.engine.begin() as conn:
                store.record_fetch_success(
                    conn,
                    state.id,
                    status=304,
                    etag=result.etag,
                    last_modified=result.last_modified,
                    warning=state.last_warning,
                    now=self.now(),
                )
            return SourceOutcome(state.name, "not-modified")
        try:
            parse = partial(
                parse_feed,
                url=result.final_url,
                fetched_at=result.fetched_at,
                content_type=result.content_type,
            )
            parsed: ParsedFeed = await self._cpu(parse, result.content)
        except ItemError as exc:  # not a feed, unsafe XML, a worker that died on it
            return self._fail(state, str(exc), result.status)
        with self.engine.begin() as conn:
            unknown = store.unknown_items(conn, state.id, parsed.items)
            taken = sorted(unknown, key=_newest_first)[: self.settings.max_new_items]
            if len(unknown) > len(taken):
                deferred = f"{len(unknown) - len(taken)} more new entries left for later runs (max_new_items)"
                parsed = replace(parsed, warning="; ".join(filter(None, (parsed.warning, deferred))))
            if state.kind == "patent":
                new = insert_patent_entries(conn, state.id, state.name, taken, self.now())
            else:
                new = store.insert_items(conn, state.id, taken, self.now())
            store.record_fetch_success(
                conn,
                state.id,
                status=result.status,
                etag=result.etag,
                last_modified=result.last_modified,
                warning=parsed.warning,
                now=self.now(),
            )
        if parsed.warning:
            log.warning("source %s: %s", state.name, parsed.warning)
        log.debug("source %s: %d entries, %d new", state.name, len(parsed.items), new)
        return SourceOutcome(state.name, "ok", new_items=new, warning=parsed.warning)

    async def documents_for(self, fetcher: Fetcher, pending: Sequence[store.PendingItem]) -> None:
        index = NearDuplicateIndex(self.settings.near_duplicate_threshold)
        with self.engine.connect() as conn:
            for item_id, signature in store.known_signatures(conn):
                index.add(item_id, signature)
        robots = RobotsCache(fetcher, self.policy.user_agent) if self.settings.respect_robots else None
        progress = _Progress("pages", len(pending))
        # Pages fetched but not yet analysed wait in memory: bound how many are under way.
        in_flight = asyncio.Semaphore(self.policy.concurrency)

        async def one(item: store.PendingItem) -> None:
            async with in_flight:
                try:
                    outcome = await self._document(fetcher, robots, item)
                except (SQLAlchemyError, StorageError):
                    raise  # the store failed: stop the run, the item is not to blame
                except Exception as exc:  # anything else unexpected is this item's problem, not the run's
                    log.exception("item %d (%s) failed", item.id, item.link)
                    outcome = _failed_document(item, f"unexpected error: {type(exc).__name__}: {exc}"), None
            if isinstance(outcome, FetchError):
                with self.engine.begin() as conn:
                    store.defer_item(conn, item.id, str(outcome))
                # Counted in the report, which says what happens next; each one at -v.
                log.debug("item %d: %s; trying again in a later run", item.id, outcome)
                self.documents["deferred"] += 1
            else:
                self._save(*outcome, index)
            progress.step()

        await asyncio.gather(*(one(item) for item in pending))

    async def _page(
        self, fetcher: Fetcher, robots: RobotsCache | None, item: store.PendingItem
    ) -> _TextFacts:
        """The extracted text of the item's page. Raises ``ItemError`` (a ``FetchError`` for fetching)."""
        if not item.link:
            raise ItemError("the entry has no link")
        if robots is not None and not await robots.allowed(item.link):
            raise RobotsDisallowedError(item.link, "robots.txt disallows this page")
        result = await fetcher.fetch(item.link, max_bytes=self.policy.max_page_bytes)
        facts = await self._cpu(_analyse_page, result.content, result.final_url, item.source_language)
        if facts is None:
            raise ItemError(f"{result.final_url}: no article text found on the page")
        return facts

    async def _document(
        self, fetcher: Fetcher, robots: RobotsCache | None, item: store.PendingItem
    ) -> tuple[Document, bytes | None] | FetchError:
        """The item's document (page text, else the feed's text) and its MinHash signature; or
        the transient ``FetchError`` for which the page is to be tried again in a later run."""
        facts: _TextFacts | None = None
        error: str | None = None  # why the page's text is not used; none where pages are not fetched
        try:
            if self.settings.fetch_articles:
                facts = await self._page(fetcher, robots, item)
        except FetchError as exc:
            if exc.transient and item.page_attempts + 1 < MAX_PAGE_ATTEMPTS:
                return exc
            error = str(exc)
        except ItemError as exc:
            error = str(exc)
        if facts is not None and facts.extracted is not None:
            ex = facts.extracted
            status: ExtractionStatus = "ok"
            title, author, sitename = item.title or ex.title or "", item.author or ex.author, ex.sitename
            published_at = item.published_at or _page_date(ex.date)
        else:
            facts = await self._cpu(_analyse_text, item.content or item.summary, item.source_language)
            status = "fallback" if facts.text else "failed"
            title, author, sitename, published_at = item.title, item.author, None, item.published_at
            if error is None and not facts.text:
                error = "the feed gives no text for this entry (pages are not fetched: ingest.fetch_articles)"
            if error is not None:
                log.info(
                    "item %d: %s; %s", item.id, error, "using the feed's text" if facts.text else "no text"
                )
        document = Document(
            item_id=item.id,
            status=status,
            error=error,
            url=item.link,
            title=title,
            text=facts.text,
            author=author,
            published_at=published_at,
            language=facts.language,
            sitename=sitename,
            content_hash=facts.content_hash,
        )
        return document, facts.minhash

    def _save(self, doc: Document, signature: bytes | None, index: NearDuplicateIndex) -> None:
        """Mark the document as a duplicate of an earlier one if it is, and store it."""
        if doc.status == "failed":
            self.errors.append(f"item {doc.item_id} ({doc.url}): {doc.error}")
        duplicate_of, reason = None, None
        with self.engine.begin() as conn:
            if doc.content_hash:
                duplicate_of = store.item_with_hash(conn, doc.content_hash)
                reason = "same content hash" if duplicate_of else None
            if duplicate_of is None and signature is not None:
                match = index.best_match(signature)
                if match is not None:
                    duplicate_of, reason = match[0], f"near-duplicate (estimated Jaccard {match[1]:.2f})"
            doc = replace(doc, duplicate_of=duplicate_of, duplicate_reason=reason)
            store.save_document(conn, doc, minhash=signature, now=self.now())
        if duplicate_of is None and signature is not None:
            index.add(doc.item_id, signature)
        self.documents[doc.status] += 1
        if duplicate_of is not None:
            self.documents["duplicate"] += 1


def run_ingest(
    engine: sa.Engine,
    specs: Sequence[SourceSpec],
    policy: FetchPolicy,
    settings: IngestSettings,
    *,
    only: Sequence[str] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> IngestReport:
    """Run the ingest stage once: due feeds, then pending pages. ``only`` limits it to named sources."""
    with engine.begin() as conn:
        store.sync_sources(conn, specs)
        states = store.source_states(conn)
    wanted = set(only) if only else None
    outcomes: list[SourceOutcome] = []
    due: list[store.SourceState] = []
    start = now()
    for s in states:
        if not s.active or (wanted is not None and s.name not in wanted):
            continue
        if s.paused_reason:
            outcomes.append(SourceOutcome(s.name, "skipped", error=s.paused_reason))
        elif s.not_before and s.not_before > start:
            outcomes.append(
                SourceOutcome(s.name, "skipped", error=f"backing off until {s.not_before:%Y-%m-%d %H:%M} UTC")
            )
        else:
            due.append(s)
    make_executor = partial(worker_pool, settings.workers) if settings.workers > 0 else None
    job = _Ingest(engine, policy, settings, make_executor, now)
    timings: dict[str, float] = {}
    try:
        requests = asyncio.run(_run(job, due, outcomes, wanted, timings))
    finally:
        job.shutdown()
    return IngestReport(
        sources=tuple(outcomes),
        new_items=sum(o.new_items for o in outcomes),
        documents=dict(job.documents),
        errors=tuple(job.errors),
        requests=requests,
        timings=timings,
    )


async def _run(
    job: _Ingest,
    due: list[store.SourceState],
    outcomes: list[SourceOutcome],
    wanted: set[str] | None,
    timings: dict[str, float],
) -> int:
    async with Fetcher(job.policy) as fetcher:
        started = time.perf_counter()
        progress = _Progress("feeds", len(due))
        outcomes.extend(await asyncio.gather(*(job.source(fetcher, s, progress) for s in due)))
        timings["feeds"] = time.perf_counter() - started
        with job.engine.connect() as conn:
            pending = store.pending_items(conn, source_names=sorted(wanted) if wanted else None)
        started = time.perf_counter()
        await job.documents_for(fetcher, pending)
        timings["pages"] = time.perf_counter() - started
        return fetcher.requests
