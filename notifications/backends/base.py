"""The interface every channel backend implements."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class OutgoingMessage:
    """What a backend needs to send one message (a snapshot of the ``Message`` row)."""

    id: int
    channel: str
    recipient: str  # E.164 phone (+84…) for SMS and Zalo, an address for email
    text: str
    subject: str = ""
    template_code: str = ""
    context: dict = field(default_factory=dict)  # the placeholders, formatted (ZNS template_data)
    language: str = "vi"
    zns_template_id: str = ""


@dataclass(frozen=True)
class SendResult:
    """The gateway's answer: ``outcome`` is "accepted", "temporary" (retry later) or "permanent"."""

    outcome: str
    gateway_message_id: str = ""
    reason: str = ""
    parts: int | None = None
    cost_vnd: int | None = None
    # True when the backend knows the message arrived (console, file): no report will follow.
    delivered: bool = False

    ACCEPTED = "accepted"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"

    @classmethod
    def accepted_with(cls, gateway_message_id: str = "", **kwargs) -> SendResult:
        return cls(cls.ACCEPTED, gateway_message_id=gateway_message_id, **kwargs)

    @classmethod
    def temporary(cls, reason: str) -> SendResult:
        return cls(cls.TEMPORARY, reason=reason)

    @classmethod
    def permanent(cls, reason: str) -> SendResult:
        return cls(cls.PERMANENT, reason=reason)

    @property
    def accepted(self) -> bool:
        return self.outcome == self.ACCEPTED

    @property
    def is_temporary(self) -> bool:
        return self.outcome == self.TEMPORARY


@dataclass(frozen=True)
class DeliveryReport:
    """One entry of a gateway's delivery report: ``delivered`` True/False, or None (still pending)."""

    gateway_message_id: str
    delivered: bool | None
    reason: str = ""


class BaseBackend:
    """Subclasses implement ``send``; gateways with delivery reports implement
    ``parse_delivery_report``. ``options`` are the backend's OPTIONS from settings."""

    def __init__(self, *, channel: str, **options) -> None:
        self.channel = channel
        self.options = options

    def send(self, message: OutgoingMessage) -> SendResult:  # pragma: no cover - interface
        raise NotImplementedError

    @property
    def webhook_secret(self) -> str:
        from django.conf import settings

        return self.options.get("webhook_secret") or getattr(settings, "NOTIFICATION_WEBHOOK_SECRET", "")

    def parse_delivery_report(self, payload: dict) -> list[DeliveryReport]:
        """The reports in a webhook's payload (JSON object or form fields). ValueError if malformed."""
        raise ValueError("this backend takes no delivery reports")
