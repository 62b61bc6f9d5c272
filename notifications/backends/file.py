"""Development and test backend: appends each message as one JSON line to
``<directory>/<channel>-<YYYY-MM-DD>.jsonl``."""

import json
import os
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from notifications.backends.base import BaseBackend, OutgoingMessage, SendResult


class FileBackend(BaseBackend):
    """OPTIONS: ``directory`` (default NOTIFICATION_FILE_DIR); ``report_delivery`` (default True)."""

    def send(self, message: OutgoingMessage) -> SendResult:
        directory = Path(self.options.get("directory") or settings.NOTIFICATION_FILE_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        now = timezone.localtime()
        line = json.dumps(
            {
                "id": message.id,
                "channel": message.channel,
                "recipient": message.recipient,
                "subject": message.subject,
                "text": message.text,
                "template": message.template_code,
                "language": message.language,
                "at": now.isoformat(),
            },
            ensure_ascii=False,
        )
        path = directory / f"{message.channel}-{now:%Y-%m-%d}.jsonl"
        # One write() of one line with O_APPEND: lines of two workers never interleave.
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(descriptor, (line + "\n").encode())
        finally:
            os.close(descriptor)
        return SendResult.accepted_with(f"file-{message.id}", delivered=bool(self.options.get("report_delivery", True)))
