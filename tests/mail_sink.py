"""A real SMTP conversation for tests: a local SMTP server (aiosmtpd) on a free port of 127.0.0.1 that keeps every
message it receives; the app sends its mail there while the fixture lives.

    from tests.mail_sink import smtp_sink  # noqa: F401 - fixture
"""
import re
import socket
import time
from email import message_from_bytes
from email.policy import default as default_policy

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_sink(app, monkeypatch):
    """An SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message; the app sends its mail there."""
    controller_mod = pytest.importorskip("aiosmtpd.controller")

    received = []

    class Sink:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            received.append(message_from_bytes(envelope.original_content or envelope.content, policy=default_policy))
            return "250 OK"

    port = free_port()
    controller = controller_mod.Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    for key, value in {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_USE_TLS": False, "MAIL_USE_SSL": False,
                       "MAIL_USERNAME": None}.items():
        monkeypatch.setitem(app.config, key, value)
    try:
        yield received
    finally:
        controller.stop()


def wait_for_mail(received: list, count: int = 1, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while len(received) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(received) >= count, f"the SMTP sink received {len(received)} mails, expected {count}"


def link_in(message, path_prefix: str) -> str:
    """The path (from `path_prefix` on) of the first link in the text of a received mail."""
    text = message.get_body(("plain",)).get_content()
    match = re.search(rf"https?://[^/\s]+({re.escape(path_prefix)}\S+)", text)
    assert match, f"no link to {path_prefix} in the mail: {text}"
    return match.group(1)
