"""A real SMTP server on loopback for the tests, built on aiosmtpd."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading

from aiosmtpd.controller import Controller


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Collector:
    def __init__(self, server: SMTPServer):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.server.refuse_with:
            return self.server.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.server.lock:
            self.server.messages.append(message)
        self.server.data_received.set()
        # Holding: the message is in, but the answer waits (a worker can be killed meanwhile).
        while self.server.hold.is_set():
            await asyncio.sleep(0.02)
        return "250 Message accepted for delivery"


class SMTPServer:
    """Collects every message it receives in `messages` (email.message.EmailMessage)."""

    def __init__(self, port: int | None = None):
        self.port = port or _free_port()
        self.messages: list = []
        self.lock = threading.Lock()
        self.refuse_with: str | None = None
        # While `hold` is set, DATA is recorded but not answered; `data_received` tells when.
        self.hold = threading.Event()
        self.data_received = threading.Event()
        self.controller = Controller(_Collector(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.hold.clear()
        self.controller.stop()

    def message_ids(self) -> list[str]:
        with self.lock:
            return [m["Message-ID"] for m in self.messages]

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def text_of(message) -> str:
        part = message.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""

    @staticmethod
    def html_of(message) -> str:
        part = message.get_body(preferencelist=("html",))
        return part.get_content() if part else ""
