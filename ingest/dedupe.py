"""Duplicate detection: canonical URLs, exact content hashes, and near-duplicates by MinHash.

Duplicates are marked (``duplicate_of``), never deleted: the analysis counts how many sources
carried a story, and an editor can always see what was folded into what.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

import numpy as np

# Query parameters that only track the reader, never select content.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wt.mc_id",
        "cmpid",
        "ncid",
        "sr_share",
        "at_medium",
        "at_campaign",
        "spm",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "piwik_", "matomo_", "hsa_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNRESERVED = "-._~"


def _is_tracking(name: str) -> bool:
    lower = name.lower()
    return lower in TRACKING_PARAMS or lower.startswith(TRACKING_PREFIXES)


def _untracked(query: str) -> list[tuple[str, str]]:
    """A query string's parameters, in order, less the tracking ones."""
    return [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not _is_tracking(k)]


def _normalise_path(path: str) -> str:
    # Re-quote so that equivalent percent-encodings compare equal ("%7e" == "~" == "%7E").
    path = quote(unquote(path), safe="/:@!$&'()*+,;=" + _UNRESERVED + "%")
    if not path:
        return "/"
    # A trailing slash is dropped on paths with at least one segment: CMSs serve both forms,
    # and the root "/" keeps it.
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    return path


def canonical_url(url: str) -> str:
    """A canonical form of ``url`` for duplicate detection (not for fetching).

    Lower-case scheme and host (IDNA), no default port, no fragment, no user info, tracking
    parameters (utm_*, fbclid, ...) removed, the remaining query parameters sorted, percent
    encoding normalised, trailing slash dropped except for the root path.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        host = host.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    query = sorted(_untracked(parts.query))
    return urlunsplit((scheme, netloc, _normalise_path(parts.path), urlencode(query), ""))


def without_tracking(url: str) -> str:
    """``url`` as it was, less its tracking parameters (utm_*, fbclid, ...): the link to show a
    reader, who should not carry a feed's campaign into the site's links."""
    parts = urlsplit(url)
    kept = _untracked(parts.query)
    if len(kept) == len(parse_qsl(parts.query, keep_blank_values=True)):
        return url  # nothing to remove: leave its spelling alone
    return urlunsplit(parts._replace(query=urlencode(kept)))


_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """The words that make a text the same article: NFKC, case-folded, punctuation dropped."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def content_hash(text: str | list[str]) -> str:
    """sha256 of the words: equal for texts that differ only in case, spacing, punctuation."""
    tokens = words(text) if isinstance(text, str) else text
    return hashlib.sha256(" ".join(tokens).encode()).hexdigest()


# MinHash over word shingles. 128 hash functions estimate Jaccard similarity with a standard
# error of about 0.04, enough to separate reposted press releases (>0.7) from distinct
# articles on one topic (<0.2).
NUM_PERM = 128
SHINGLE = 3
_rng = np.random.default_rng(20261123)  # fixed: signatures must be comparable across runs
_A = _rng.integers(0, np.iinfo(np.uint64).max, NUM_PERM, dtype=np.uint64, endpoint=True) | np.uint64(1)
_B = _rng.integers(0, np.iinfo(np.uint64).max, NUM_PERM, dtype=np.uint64, endpoint=True)


_BLOCK = 10_000  # shingles per block: 10,000 x 128 x 8 bytes = 10 MB
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 1], dtype=np.uint64)


def _shingle_hashes(tokens: list[str]) -> np.ndarray:
    """Distinct 64-bit hashes of the word 3-shingles (stable across processes and runs)."""
    if not tokens:
        return np.empty(0, dtype=np.uint64)
    # CRC-32 once per distinct word, then a vectorised polynomial mix per shingle: ~10x faster
    # than hashing each shingle string, and stable (Python's hash() is salted per process).
    vocabulary = {w: zlib.crc32(w.encode()) for w in set(tokens)}
    h = np.fromiter((vocabulary[w] for w in tokens), dtype=np.uint64, count=len(tokens))
    if len(h) < SHINGLE:
        return np.unique(h)
    with np.errstate(over="ignore"):
        mixed = h[:-2] * _MIX[0] + h[1:-1] * _MIX[1] + h[2:] * _MIX[2]
    return np.unique(mixed)


def minhash(text: str | list[str]) -> bytes:
    """MinHash signature of a text or its ``words`` (NUM_PERM uint32 values as bytes); all-max if empty."""
    x = _shingle_hashes(words(text) if isinstance(text, str) else text)
    if x.size == 0:
        return np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32).tobytes()
    # Multiply-shift hashing: the high 32 bits of a*x + b (mod 2**64, odd a) form a universal
    # family, which is all MinHash needs; the minimum of the high bits is the high bits of the minimum.
    # Shingles go in blocks, so that a huge text needs 10 MB of scratch space, not gigabytes.
    lowest = np.full(NUM_PERM, np.iinfo(np.uint64).max, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for start in range(0, x.size, _BLOCK):
            block = x[start : start + _BLOCK, None] * _A[None, :] + _B[None, :]
            np.minimum(lowest, block.min(axis=0), out=lowest)
    return (lowest >> np.uint64(32)).astype(np.uint32).tobytes()


# Locality-sensitive hashing: 32 bands of 4 values. Two texts become candidates when one band
# agrees: probability 1 - (1 - J**4)**32, so 99.9% at Jaccard 0.7 and 87% at 0.5; candidates are
# then checked on the whole signature. Thresholds below 0.5 would lose recall.
BANDS, ROWS = 32, 4


class NearDuplicateIndex:
    """Signatures of known documents; finds the most similar earlier one at or above a threshold."""

    def __init__(self, threshold: float):
        self.threshold = threshold
        self._signatures: dict[int, np.ndarray] = {}
        self._buckets: list[dict[bytes, list[int]]] = [{} for _ in range(BANDS)]

    def _bands(self, signature: np.ndarray) -> list[bytes]:
        return [signature[b * ROWS : (b + 1) * ROWS].tobytes() for b in range(BANDS)]

    def add(self, item_id: int, signature: bytes) -> None:
        values = np.frombuffer(signature, dtype=np.uint32)
        self._signatures[item_id] = values
        for bucket, key in zip(self._buckets, self._bands(values), strict=True):
            bucket.setdefault(key, []).append(item_id)

    def best_match(self, signature: bytes) -> tuple[int, float] | None:
        """(item_id, estimated Jaccard) of the closest known document at or above the threshold.

        Among equally close documents the earliest (lowest id) wins, so a story's original stays
        the original however often it is reposted.
        """
        values = np.frombuffer(signature, dtype=np.uint32)
        candidates: set[int] = set()
        for bucket, key in zip(self._buckets, self._bands(values), strict=True):
            candidates.update(bucket.get(key, ()))
        best: tuple[int, float] | None = None
        for item_id in sorted(candidates):
            score = float((self._signatures[item_id] == values).mean())
            if score >= self.threshold and (best is None or score > best[1]):
                best = (item_id, score)
        return best
