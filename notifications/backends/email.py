"""Email through Django's email backends (EMAIL_BACKEND, EMAIL_HOST, …): staff notices."""

import smtplib
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from notifications.backends.base import BaseBackend, OutgoingMessage, SendResult


class EmailBackend(BaseBackend):
    """OPTIONS: ``from_email`` (default DEFAULT_FROM_EMAIL); ``email_backend`` (a Django email
    backend path, default EMAIL_BACKEND); ``timeout`` (seconds, SMTP only)."""

    def send(self, message: OutgoingMessage) -> SendResult:
        message_id = make_msgid(domain=self.options.get("domain") or "casework.local")
        subject = message.subject or message.text.splitlines()[0][:78]
        email = EmailMessage(
            subject=subject,
            body=message.text,
            from_email=self.options.get("from_email") or settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
            headers={"Message-ID": message_id},
            connection=get_connection(
                self.options.get("email_backend"),
                **({"timeout": self.options["timeout"]} if "timeout" in self.options else {}),
            ),
        )
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as error:
            return SendResult.permanent(f"address refused: {error.recipients}")
        except smtplib.SMTPResponseException as error:
            reason = f"SMTP {error.smtp_code}: {error.smtp_error!r}"
            return SendResult.permanent(reason) if 500 <= error.smtp_code < 600 else SendResult.temporary(reason)
        except (smtplib.SMTPException, OSError) as error:  # OSError includes timeouts
            return SendResult.temporary(f"mail server: {error!r}")
        return SendResult.accepted_with(message_id.strip("<>"))
