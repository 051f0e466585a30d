"""Canonical URLs, content hashes and near-duplicate detection."""

from __future__ import annotations

import pytest

from ingest.dedupe import NearDuplicateIndex, canonical_url, content_hash, minhash, without_tracking


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://Example.COM/News/Item?id=4", "https://example.com/News/Item?id=4"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com/a/?utm_source=rss&utm_medium=feed&utm_campaign=x", "https://example.com/a"),
        ("https://example.com/a?fbclid=1&gclid=2&mc_cid=3&id=7", "https://example.com/a?id=7"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/", "https://example.com/"),
        ("https://example.com/%7euser/a%2fb", "https://example.com/~user/a/b"),
        ("https://user:pw@example.com/a", "https://example.com/a"),
        ("https://bücher.example/x", "https://xn--bcher-kva.example/x"),
        ("https://example.com./a", "https://example.com/a"),
        ("https://[2001:db8::1]:443/a", "https://[2001:db8::1]/a"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_content_hash_ignores_case_spacing_and_punctuation() -> None:
    assert content_hash("Hello,  World!\n") == content_hash("hello world")
    assert content_hash("hello world") != content_hash("hello there world")


ARTICLE = (
    "Nordweave Fibres has opened a fibre-to-fibre recycling line in Valmark that turns 12,000 tonnes "
    "of post-consumer polyester a year into new yarn. The company invested 48 million euros and "
    "employs 65 people at the site. Sorted garments arrive from collection points in three regions, "
    "are shredded, depolymerised and spun again; the yarn goes to workwear makers in the cluster. "
    "The line is the first of its kind in the region and could double by 2028, the chief executive said."
)


def test_near_duplicate_found_and_distinct_text_not() -> None:
    index = NearDuplicateIndex(threshold=0.7)
    index.add(1, minhash(ARTICLE))
    reworded_lead = "Valmark, 15 October. " + ARTICLE.replace("has opened", "opened")
    match = index.best_match(minhash(reworded_lead))
    assert match is not None and match[0] == 1 and match[1] >= 0.7
    other = (
        "Kelder Transport has put 12 battery-electric trucks into service between the port of Hallsund and "
        "its warehouse. The vehicles charge overnight at a depot with solar roofs and cover 300 km a day; "
        "drivers were trained for two weeks and the company expects lower costs per kilometre by next year."
    )
    assert index.best_match(minhash(other)) is None


def test_minhash_estimates_jaccard() -> None:
    words = [f"w{i}" for i in range(400)]
    a = " ".join(words)
    b = " ".join(words[:200] + [f"x{i}" for i in range(200)])  # about a third of the shingles shared
    index = NearDuplicateIndex(threshold=0.0)
    index.add(1, minhash(a))
    match = index.best_match(minhash(b))
    assert match is not None
    true_jaccard = 198 / (398 + 200)
    assert abs(match[1] - true_jaccard) < 0.12  # 128 permutations: standard error about 0.04


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "http://127.0.0.1:8/a/sock.html?utm_source=rss&utm_medium=feed&utm_campaign=weekly",
            "http://127.0.0.1:8/a/sock.html",
        ),
        ("https://Example.org/News/?id=7&fbclid=x&b=2#top", "https://Example.org/News/?id=7&b=2#top"),
        ("https://example.org/News/?b=2&a=1", "https://example.org/News/?b=2&a=1"),  # untouched
    ],
)
def test_a_link_shown_to_readers_loses_only_its_tracking(url: str, shown: str) -> None:
    assert without_tracking(url) == shown
