"""Patent identifiers, names and classes: normalisation rules, shown by example."""

from __future__ import annotations

import pytest

from ingest.patents import (
    PublicationNumber,
    classes_match,
    normalise_class,
    normalise_number,
    normalise_party,
)


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        # EP: 7 digits, zero-padded; spaces, hyphens and missing kinds
        ("EP1234567A1", "EP1234567A1"),
        ("EP 1 234 567 A1", "EP1234567A1"),
        ("EP-1234567-B1", "EP1234567B1"),
        ("ep 1234567 b2", "EP1234567B2"),
        ("EP1234567", "EP1234567"),
        ("EP 3404678", "EP3404678"),
        ("EP 123456 A2", "EP0123456A2"),
        # US: pre-grant publications and grants
        ("US20240123456A1", "US20240123456A1"),
        ("US 2024/0123456 A1", "US20240123456A1"),
        ("US 2024/123456 A1", "US20240123456A1"),
        ("US 2024-0123456", "US20240123456"),
        ("US 10,123,456 B2", "US10123456B2"),
        ("US 6,970,935", "US6970935"),
        ("US06970935B1", "US6970935B1"),
        ("US D435,854 S1", "USD435854S1"),
        ("US RE45,678 E", "USRE45678E"),
        # WO: year + 6-digit serial
        ("WO2024123456A1", "WO2024123456A1"),
        ("WO 2024/123456 A1", "WO2024123456A1"),
        ("WO 2004/12345", "WO2004012345"),
        ("WO 99/12345 A1", "WO1999012345A1"),
        ("WO 02/12345", "WO2002012345"),
        ("WO9912345", "WO1999012345"),
        ("WO9912345A1", "WO1999012345A1"),
        ("WO02020444", "WO2002020444"),
        # DE, CN, JP: digits as written
        ("DE102024000123A1", "DE102024000123A1"),
        ("DE 10 2024 000 123 A1", "DE102024000123A1"),
        ("DE 196 12 345 C2", "DE19612345C2"),
        ("CN 112345678 A", "CN112345678A"),
        ("CN112345678B", "CN112345678B"),
        ("JP 2024-123456 A", "JP2024123456A"),
        ("JP7123456B2", "JP7123456B2"),
    ],
)
def test_publication_numbers(written: str, canonical: str) -> None:
    number = normalise_number(written)
    assert number is not None and str(number) == canonical


@pytest.mark.parametrize(
    "written",
    [
        "",
        "1234567",
        "EP",
        "EPABC",
        "E 1234567",
        "EP 12345678 A1",
        "WO 12345 A1",
        "US69709352005",
        "PCT/EP2024/012345",
    ],
)
def test_not_publication_numbers(written: str) -> None:
    assert normalise_number(written) is None


def test_register_url() -> None:
    assert (
        PublicationNumber("EP", "1234567", "A1").register_url
        == "https://worldwide.espacenet.com/patent/search?q=pn%3DEP1234567A1"
    )


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("SIEMENS AG", "siemens"),
        ("Siemens AG.", "siemens"),
        ("siemens ag", "siemens"),
        ("Siemens Aktiengesellschaft", "siemens aktiengesellschaft"),
        ("Robert Bosch GmbH", "robert bosch"),
        ("Freudenberg SE & Co. KG", "freudenberg"),
        ("AB Volvo", "ab volvo"),  # only trailing legal forms are removed
        ("Carl Zeiss Meditec AG", "carl zeiss meditec"),
        ("General Electric Technology GmbH", "general electric technology"),
        ("Sony Corporation", "sony"),
        ("Samsung Electronics Co., Ltd.", "samsung electronics"),
        ("INTERNATIONAL BUSINESS MACHINES CORPORATION", "international business machines"),
        ("Medtronic, Inc.", "medtronic"),
        ("HARTHUM, Jörg", "harthum jörg"),
        ("Nestec S.A.", "nestec"),
        ("Philips N.V.", "philips"),
        ("Foo G.m.b.H.", "foo"),
        ("Foo GmbH &amp; Co. KG", "foo"),
    ],
)
def test_party_names(name: str, key: str) -> None:
    assert normalise_party(name) == key


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("A61B 5/00", "A61B5/00"),
        ("A61B5/0205", "A61B5/0205"),
        ("G06F015/16", "G06F15/16"),
        ("H01F  27/14        20060101AFI20171122BHEP", "H01F27/14"),
        ("C07C  29/44", "C07C29/44"),
        ("A61B0005000000", "A61B5/00"),
        ("D03D 1/0088", "D03D1/0088"),
        ("A61B", None),
        ("nonsense", None),
    ],
)
def test_classes(written: str, code: str | None) -> None:
    assert normalise_class(written) == code


def test_classes_match_prefixes() -> None:
    assert classes_match(("A61B5/00", "G16H50/20"), ("G16H",))
    assert classes_match(("B64C1/00",), ("B64",))
    assert not classes_match(("A61B5/00",), ("A61F", "D03D"))
