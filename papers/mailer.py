"""Sending e-mail through SMTP with the standard library: the settings, one connection per run.

Only this module talks to a mail server. TLS is always verified (the system's certificates, plus
``ca_file`` when a relay uses a private CA); the password is read from an environment variable
named in the configuration, never from a file. A refused recipient or a dropped connection fails
that one message: the caller records it and goes on with the next (reconnecting when needed).
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType

from ingest.errors import ConfigError, TrendpapersError

SECURITY = ("starttls", "tls", "none")  # STARTTLS on a plain port, TLS from the start (SMTPS), or neither
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class MailSettings:
    host: str
    sender: str  # the From header, e.g. "Cluster papers <papers@cluster.example>"
    port: int | None = None  # None: the security's usual port (``smtp_port``)
    security: str = "starttls"
    user: str | None = None
    password_env: str | None = None  # the name of the environment variable holding the password
    unsubscribe: str | None = None  # List-Unsubscribe target (mailto: or https:); default: mailto the sender
    ca_file: Path | None = None  # further CA certificates (PEM) to trust, for a relay with a private CA
    timeout: float = 30.0  # seconds per SMTP command

    @property
    def smtp_port(self) -> int:
        """The port: as configured, else the security's usual one (465 for tls, 587 otherwise)."""
        return self.port or (465 if self.security == "tls" else 587)


class MailError(TrendpapersError):
    """The mail server cannot be reached or refuses us (not one recipient): stops the sending."""


class SendError(TrendpapersError):
    """One message was not accepted (a refused recipient, a dropped connection): that message only."""


def password(settings: MailSettings) -> str | None:
    """The SMTP password from the environment; a ``ConfigError`` naming the variable when it is unset."""
    if not settings.user:
        return None
    name = settings.password_env or ""
    value = os.environ.get(name)
    if not value:
        raise ConfigError(
            [f"mail.password_env: the environment variable {name!r} is not set (the SMTP password)"]
        )
    return value


class Mailer:
    """One SMTP connection, opened on the first message and reopened after the server dropped it."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._password = password(settings)
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.settings.ca_file:
            context.load_verify_locations(cafile=str(self.settings.ca_file))
        return context

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        where = f"{s.host}:{s.smtp_port}"
        smtp: smtplib.SMTP | None = None
        try:
            if s.security == "tls":
                smtp = smtplib.SMTP_SSL(s.host, s.smtp_port, timeout=s.timeout, context=self._context())
            else:
                smtp = smtplib.SMTP(s.host, s.smtp_port, timeout=s.timeout)
                if s.security == "starttls":
                    smtp.starttls(context=self._context())
            if s.user:
                smtp.login(s.user, self._password or "")
        except (smtplib.SMTPException, OSError) as exc:
            if smtp is not None:
                smtp.close()
            if isinstance(exc, smtplib.SMTPAuthenticationError):
                raise MailError(f"{where}: login as {s.user!r} refused: {_reply(exc)}") from exc
            raise MailError(f"{where}: cannot connect: {_reply(exc)}") from exc
        return smtp

    def send(self, message: EmailMessage, recipient: str) -> None:
        """Send ``message`` to ``recipient``; a ``SendError`` if the server did not accept it, a
        ``MailError`` if no connection can be made at all."""
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            refused = self._smtp.send_message(message, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            raise SendError(f"recipient refused: {_reply(exc)}") from exc
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise SendError(f"connection lost: {_reply(exc)}") from exc
        except smtplib.SMTPException as exc:
            self._reset()
            raise SendError(_reply(exc)) from exc
        if refused:
            raise SendError(f"recipient refused: {refused}")

    def _reset(self) -> None:
        """After a refused message the session may be mid-transaction: RSET, or start afresh."""
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def close(self) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            self._drop()


def _reply(exc: BaseException) -> str:
    """What the server said, in one line."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{addr}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
            for addr, (code, msg) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"{exc.smtp_code} {' '.join(text.split())}"
    return " ".join(str(exc).split()) or type(exc).__name__
