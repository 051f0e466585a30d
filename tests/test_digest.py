"""E-mail digests through a real SMTP server (aiosmtpd) started on 127.0.0.1 by each test: both parts
and the headers, sent once, a refused recipient, a dropped connection, a server that is down,
STARTTLS and TLS with a login, and the dry run."""

from __future__ import annotations

import email
import email.policy
import re
import shutil
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from click.testing import CliRunner

from papers.digest import DigestPaper, compose
from papers.mailer import MailSettings
from summarize.members import Match, Member, Subject
from tests.conftest import DemoRun
from trendpapers.cli import cli

WANTING = {  # the demo's members who want the digest, by address
    "projects@meshwerk.example": "Meshwerk Simulation GmbH",
    "hello@vireon.example": "Vireon Medical VR",
    "info@flowtwin.example": "Flowtwin Logistics Simulation",
    "sales@compliant-plm.example": "Compliant PLM Solutions",
    "cae@thermoflux.example": "Thermoflux CAE",
    "data@fibrecircle.example": "Fibrecircle Data",
}


@dataclass
class Mailbox:
    """What the test server received, and how it misbehaves."""

    messages: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # RCPT answered 550
    drop: set[str] = field(default_factory=set)  # the connection is closed at RCPT
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook names
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        if address in self.drop:
            assert server.transport is not None
            server.transport.close()
            return "421 4.3.0 closing"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        assert isinstance(envelope.content, bytes)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((str(envelope.mail_from), list(envelope.rcpt_tos), parsed))
        return "250 2.0.0 accepted"

    def to(self) -> list[str]:
        return [rcpt for _, rcpts, _ in self.messages for rcpt in rcpts]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    """A plain SMTP server on 127.0.0.1, stopped (and its thread reaped) after the test."""
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield box, controller.port
    finally:
        controller.stop()


# The whole demo (real ingest, the real model): the tests that use it are in the slow tier.
@pytest.fixture(scope="module")
def demo(demo_run: DemoRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_run.copy(tmp_path_factory, "digest")


def _workspace(demo: Path, tmp_path: Path, mail: str) -> Path:
    """A copy of the demo whose [mail] is ``mail``."""
    workspace = tmp_path / "ws"
    shutil.copytree(demo, workspace, symlinks=True)
    config = workspace / "trendpapers.toml"
    text = config.read_text(encoding="utf-8")
    start = text.index("\n[mail]\n") + 1
    end = text.index("[[sources]]", start)
    config.write_text(text[:start] + mail + "\n" + text[end:], encoding="utf-8")
    # Every member follows every industry here, so that each one who wants a digest gets the one
    # paper the demo publishes: these tests are about sending (``test_a_member_gets_the_papers...``
    # about who gets what).
    members = workspace / "members.toml"
    members.write_text(
        re.sub(r"(?m)^industries = .*\n", "", members.read_text(encoding="utf-8")), encoding="utf-8"
    )
    return workspace


def _plain_mail(port: int) -> str:
    return (
        f'[mail]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        'from = "Demo Cluster papers <papers@demo-cluster.example>"\n'
        'unsubscribe = "https://cluster.example/unsubscribe?list=papers"\ntimeout = 10\n'
    )


def _digest(workspace: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-c", str(workspace), "digest", *args])
    return result.exit_code, result.output


def _deliveries(workspace: Path) -> dict[tuple[str, str], tuple[str, int, str | None]]:
    with sqlite3.connect(workspace / "trendpapers.db") as db:
        rows = db.execute(
            "SELECT recipient, paper, status, attempts, error FROM digest_deliveries"
        ).fetchall()
    return {(r[0], r[1]): (r[2], r[3], r[4]) for r in rows}


@pytest.mark.slow
def test_each_member_who_wants_it_gets_one_message_once(
    demo: Path, tmp_path: Path, smtp: tuple[Mailbox, int]
) -> None:
    box, port = smtp
    workspace = _workspace(demo, tmp_path, _plain_mail(port))
    code, out = _digest(workspace)
    assert code == 0, out
    assert sorted(box.to()) == sorted(WANTING) and len(box.messages) == 6  # Voltgrid wants none
    assert "digest: 6 sent; 1 member wants no digest or has no address" in out
    mesh = next(m for _, rcpts, m in box.messages if rcpts == ["projects@meshwerk.example"])
    assert mesh["From"] == "Demo Cluster papers <papers@demo-cluster.example>"
    assert mesh["To"] == "Meshwerk Simulation GmbH <projects@meshwerk.example>"
    assert mesh["Subject"] == "Demo Cluster: new trend papers (Textile 2026-Q4)"
    assert mesh["List-Unsubscribe"] == "<https://cluster.example/unsubscribe?list=papers>"
    assert mesh["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mesh["Message-ID"].endswith("@demo-cluster.example>")
    plain = mesh.get_body(("plain",))
    html = mesh.get_body(("html",))
    assert plain is not None and html is not None
    text, page = plain.get_content(), html.get_content()
    assert "- Textile: trends 2026-Q4: http://127.0.0.1:8000/papers/textile/2026-Q4/" in text  # said once
    assert "- Trend: " in text and "Why: its documents and your competences share: knitted" in text
    assert "score" not in text and not re.search(r"\d\.\d\d", text)  # a member reads no scores
    assert '<a href="http://127.0.0.1:8000/papers/textile/2026-Q4/">Textile: trends 2026-Q4</a>' in page
    assert "<h2>Matched to your competences</h2>" in page and "share: knitted" in page
    assert "http://127.0.0.1:8000/trends/textile-" in page
    unmatched = [
        m
        for _, _, m in box.messages
        if "Matched to your competences" not in m.get_body(("plain",)).get_content()
    ]
    assert unmatched and all(
        "No trend in these papers matches your competences closely" in m.get_body(("plain",)).get_content()
        for m in unmatched
    )
    assert all(status == "sent" for status, _, _ in _deliveries(workspace).values())

    # Nothing new: nothing is sent again.
    code, out = _digest(workspace)
    assert (
        code == 0
        and len(box.messages) == 6
        and out.count("\nup to date ") + out.startswith("up to date ") == 6
    )

    # A newly published paper: one message each, with that paper only.
    for action in ("approve", "publish"):
        assert CliRunner().invoke(cli, ["-c", str(workspace), "papers", action, "medtech"]).exit_code == 0
    code, out = _digest(workspace)
    assert code == 0 and len(box.messages) == 12
    later = [m for _, _, m in box.messages[6:]]
    assert all(m["Subject"] == "Demo Cluster: new trend papers (Medical technology 2026-Q4)" for m in later)
    assert all("papers/textile/2026-Q4" not in m.get_body(("plain",)).get_content() for m in later)  # type: ignore[union-attr]


@pytest.mark.slow
def test_a_refused_recipient_is_named_retried_next_run_and_stops_no_one(
    demo: Path, tmp_path: Path, smtp: tuple[Mailbox, int]
) -> None:
    box, port = smtp
    box.refuse.add("cae@thermoflux.example")
    workspace = _workspace(demo, tmp_path, _plain_mail(port))
    code, out = _digest(workspace)
    assert code == 1
    assert "error: digest to Thermoflux CAE <cae@thermoflux.example> not sent: recipient refused:" in out
    assert "550 5.1.1" in out and "mailbox unavailable" in out
    assert sorted(box.to()) == sorted(set(WANTING) - {"cae@thermoflux.example"})  # the others all went
    assert _deliveries(workspace)["cae@thermoflux.example", "textile/2026-Q4"][:2] == ("failed", 1)
    status = CliRunner().invoke(cli, ["-c", str(workspace), "status"]).output
    assert "digests: 5 papers delivered to 5 addresses" in status
    assert (
        "  not delivered yet: Thermoflux CAE <cae@thermoflux.example> (1 attempt): recipient refused:"
        in status
    )

    box.refuse.clear()
    code, out = _digest(workspace)
    assert code == 0 and box.to()[-1] == "cae@thermoflux.example" and len(box.messages) == 6
    assert _deliveries(workspace)["cae@thermoflux.example", "textile/2026-Q4"] == ("sent", 2, None)


@pytest.mark.slow
def test_a_dropped_connection_fails_that_message_only(
    demo: Path, tmp_path: Path, smtp: tuple[Mailbox, int]
) -> None:
    box, port = smtp
    box.drop.add("info@flowtwin.example")  # the third member: the connection closes in the middle
    workspace = _workspace(demo, tmp_path, _plain_mail(port))
    code, out = _digest(workspace)
    assert code == 1
    assert (
        "error: digest to Flowtwin Logistics Simulation <info@flowtwin.example> not sent: connection lost"
        in out
    )
    assert sorted(box.to()) == sorted(
        set(WANTING) - {"info@flowtwin.example"}
    )  # a new connection for the rest
    box.drop.clear()
    code, _ = _digest(workspace)
    assert code == 0 and box.to()[-1] == "info@flowtwin.example" and len(box.messages) == 6


@pytest.mark.slow
def test_a_server_that_is_down_fails_the_run_once_and_every_digest_waits(demo: Path, tmp_path: Path) -> None:
    workspace = _workspace(demo, tmp_path, _plain_mail(_free_port()))  # nothing listens there
    code, out = _digest(workspace)
    assert code == 1
    assert out.count("error: digest to") == 6 and "cannot connect: [Errno 111]" in out
    assert out.count("not sent: not tried: mail server:") == 5  # the first tried; the others wait
    assert {status for status, _, _ in _deliveries(workspace).values()} == {"failed"}


def _certificate(folder: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed: cannot make a self-signed certificate")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.mark.slow
@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_with_a_login_whose_password_comes_from_the_environment(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, security: str
) -> None:
    import ssl

    cert, key = _certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    box = Mailbox()

    def authenticator(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        box.logins.append((data.login, data.password))
        return AuthResult(success=data.login == b"papers" and data.password == b"s3cret pass")

    port = _free_port()
    kwargs: dict[str, Any] = {"authenticator": authenticator, "auth_required": True}
    if security == "starttls":
        kwargs |= {"tls_context": context, "require_starttls": True}
    else:  # TLS from the first byte, which aiosmtpd does not count as TLS for AUTH: offered, not required
        kwargs |= {"ssl_context": context, "auth_require_tls": False, "auth_required": False}
    controller = Controller(box, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        mail = (
            f'[mail]\nhost = "localhost"\nport = {port}\nsecurity = "{security}"\nuser = "papers"\n'
            'password_env = "TEST_SMTP_PASSWORD"\nfrom = "papers@demo-cluster.example"\ntimeout = 10\n'
        )
        workspace = _workspace(demo, tmp_path, mail + 'ca_file = "../cert.pem"\n')
        monkeypatch.delenv("TEST_SMTP_PASSWORD", raising=False)
        code, out = _digest(workspace)
        assert code == 2 and "the environment variable 'TEST_SMTP_PASSWORD' is not set" in out
        monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret pass")
        code, out = _digest(workspace)
        assert code == 0, out
        assert len(box.messages) == 6 and box.logins == [
            (b"papers", b"s3cret pass")
        ]  # one login, one connection

        # The certificate is always verified: without the relay's CA, nothing goes out.
        other = tmp_path / "other"
        other.mkdir()
        untrusted = _workspace(demo, other, mail)
        code, out = _digest(untrusted)
        assert code == 1 and "CERTIFICATE_VERIFY_FAILED" in out and len(box.messages) == 6
    finally:
        controller.stop()


@pytest.mark.slow
def test_a_dry_run_writes_the_messages_and_records_nothing(demo: Path, tmp_path: Path) -> None:
    workspace = _workspace(demo, tmp_path, _plain_mail(_free_port()))
    outbox = tmp_path / "outbox"
    code, out = _digest(workspace, "--dry-run", str(outbox))
    assert code == 0 and "digest: 6 written" in out
    assert sorted(p.name for p in outbox.iterdir()) == sorted(
        f"{name.lower().replace(' ', '-')}.eml" for name in WANTING.values()
    )
    parsed = email.message_from_bytes(
        (outbox / "fibrecircle-data.eml").read_bytes(), policy=email.policy.default
    )
    assert parsed["To"] == "Fibrecircle Data <data@fibrecircle.example>"
    assert parsed.get_body(("html",)) is not None and parsed["List-Unsubscribe"]
    assert _deliveries(workspace) == {}
    (tmp_path / "afile").write_text("", encoding="utf-8")
    code, out = _digest(workspace, "--dry-run", str(tmp_path / "afile" / "outbox"))
    assert code == 2 and f"--dry-run {tmp_path / 'afile' / 'outbox'}: cannot write the digests there" in out


@pytest.mark.slow
def test_a_member_gets_the_papers_of_the_industries_they_follow_and_those_matched_to_them(
    demo: Path, tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox"
    code, out = _digest(demo, "--dry-run", str(outbox))  # the demo's own members: the textile paper
    assert code == 0
    written = {p.name for p in outbox.iterdir()}
    assert {"meshwerk-simulation-gmbh.eml", "fibrecircle-data.eml"} <= written  # they follow textile
    assert "vireon-medical-vr.eml" not in written  # medical VR: nothing for it in the textile paper
    assert (
        "up to date Vireon Medical VR <hello@vireon.example> (no new paper of the industries they follow)"
        in out
    )
    for name in written - {"meshwerk-simulation-gmbh.eml", "fibrecircle-data.eml"}:  # matched, not following
        text = email.message_from_bytes((outbox / name).read_bytes(), policy=email.policy.default)
        assert "Matched to your competences" in text.get_body(("plain",)).get_content(), name


def test_the_message_makes_every_value_inert() -> None:
    member = Member("<b>Evil</b> [x](javascript:alert(1))", "x", email="evil@member.example", digest=True)
    paper = DigestPaper("textile/2026-Q4", "<script>alert(1)</script>", "Textile", "2026-Q4",
                        "https://cluster.example/papers/textile/2026-Q4/", frozenset({"textile-0001"}), "textile")  # fmt: skip
    subject = Subject("trend", "textile-0001", "<img src=x onerror=alert(2)>", ("textile",), None, "")  # type: ignore[arg-type]
    match = Match(member, subject, 0.8, 0.6, ("<i>",), ("Textile",))
    settings = MailSettings(host="localhost", sender="papers@cluster.example")
    message = compose(member, [paper], [match], "Cluster <b>", "https://cluster.example/papers/", settings,
                      datetime(2026, 11, 23, tzinfo=UTC))  # fmt: skip
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert (
        "<script>" not in html
        and "<img" not in html
        and "<b>Evil" not in html
        and 'href="javascript' not in html
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert message["List-Unsubscribe"] == "<mailto:papers@cluster.example?subject=unsubscribe>"


@pytest.mark.slow
def test_the_scheduled_digest_job_sends_as_the_command_does(
    demo: Path, tmp_path: Path, smtp: tuple[Mailbox, int]
) -> None:
    from trendpapers.pipeline import run_job

    box, port = smtp
    workspace = _workspace(demo, tmp_path, _plain_mail(port))
    assert run_job(str(workspace / "trendpapers.toml"), "digest") == 0
    assert sorted(box.to()) == sorted(WANTING)
    assert run_job(str(workspace / "trendpapers.toml"), "digest") == 0 and len(box.messages) == 6
    with sqlite3.connect(workspace / "trendpapers.db") as db:
        runs = db.execute("SELECT stage, status FROM runs ORDER BY id DESC LIMIT 2").fetchall()
    assert runs == [("digest", "ok"), ("digest", "ok")]
