"""Development backend: prints each message to standard output (the worker's log)."""

import sys
import threading

from notifications.backends.base import BaseBackend, OutgoingMessage, SendResult


class ConsoleBackend(BaseBackend):
    """OPTIONS: ``stream`` (default sys.stdout); ``report_delivery`` (default True: the message is
    recorded as delivered at once, since no report will ever come)."""

    _lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> SendResult:
        stream = self.options.get("stream") or sys.stdout
        header = f"[{message.channel} #{message.id}] to {message.recipient}"
        if message.subject and message.channel == "email":
            header += f" — {message.subject}"
        with self._lock:
            stream.write(f"{header}\n{message.text}\n{'-' * 79}\n")
            stream.flush()
        return SendResult.accepted_with(
            f"console-{message.id}", delivered=bool(self.options.get("report_delivery", True))
        )
