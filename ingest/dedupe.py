"""Duplicate detection: canonical URLs, exact content hashes, and near-duplicates by MinHash.

Duplicates are marked (``duplicate_of``), never deleted: the analysis counts how many sources
carried a story, and an editor can always see what was folded into what.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
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
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k))
    return urlunsplit((scheme, netloc, _normalise_path(parts.path), urlencode(query), ""))


_WORD = re.compile(r"\w+", re.UNICODE)


def normalise_text(text: str) -> str:
    """Text reduced to what makes it the same article: NFKC, case-folded, words only."""
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def content_hash(text: str) -> str:
    """sha256 of the normalised text: equal for texts that differ only in case, spacing, punctuation."""
    return hashlib.sha256(normalise_text(text).encode()).hexdigest()


# MinHash over word shingles. 128 hash functions estimate Jaccard similarity with a standard
# error of about 0.04, enough to separate reposted press releases (>0.7) from distinct
# articles on one topic (<0.2).
NUM_PERM = 128
SHINGLE = 3
_MERSENNE = np.uint64((1 << 61) - 1)
_rng = np.random.default_rng(20261123)  # fixed: signatures must be comparable across runs
_A = _rng.integers(1, (1 << 61) - 1, NUM_PERM, dtype=np.uint64)
_B = _rng.integers(0, (1 << 61) - 1, NUM_PERM, dtype=np.uint64)


def _shingle_hashes(text: str) -> np.ndarray:
    words = normalise_text(text).split()
    if len(words) < SHINGLE:
        grams = [" ".join(words)] if words else []
    else:
        grams = [" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)]
    hashes = {int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "little") for g in grams}
    # Keep 60 bits so that a*x+b stays below 2**64 after reduction tricks below.
    return np.fromiter((h & ((1 << 60) - 1) for h in hashes), dtype=np.uint64, count=len(hashes))


def minhash(text: str) -> bytes:
    """MinHash signature of ``text`` (NUM_PERM uint32 values as bytes); all-max for empty text."""
    x = _shingle_hashes(text)
    if x.size == 0:
        return np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32).tobytes()
    # (a*x + b) mod p with wrapping uint64 arithmetic is not exact modular arithmetic, but it is a
    # fixed, well-mixed hash family, which is all MinHash needs.
    with np.errstate(over="ignore"):
        h = (x[:, None] * _A[None, :] + _B[None, :]) % _MERSENNE
    return (h.min(axis=0) >> np.uint64(29)).astype(np.uint32).tobytes()


class NearDuplicateIndex:
    """Signatures of known documents; finds the most similar earlier one above a threshold."""

    def __init__(self, threshold: float):
        self.threshold = threshold
        self._ids: list[int] = []
        self._rows: list[np.ndarray] = []
        self._matrix: np.ndarray | None = None

    def add(self, item_id: int, signature: bytes) -> None:
        self._ids.append(item_id)
        self._rows.append(np.frombuffer(signature, dtype=np.uint32))
        self._matrix = None

    def __len__(self) -> int:
        return len(self._ids)

    def best_match(self, signature: bytes) -> tuple[int, float] | None:
        """(item_id, estimated Jaccard) of the closest known document at or above the threshold."""
        if not self._ids:
            return None
        if self._matrix is None:
            self._matrix = np.vstack(self._rows)
        sig = np.frombuffer(signature, dtype=np.uint32)
        scores = (self._matrix == sig).mean(axis=1)
        best = int(scores.argmax())
        if scores[best] >= self.threshold:
            return self._ids[best], float(scores[best])
        return None
