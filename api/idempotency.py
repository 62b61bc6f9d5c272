"""``Idempotency-Key`` on every POST and PATCH of the API (IETF draft "The Idempotency-Key HTTP Header
Field", draft-ietf-httpapi-idempotency-key-header): a client that does not know whether its write was
done (a timeout, a lost answer) sends it again with the same key, and the write is done once.

Every view of the API gets it from ``api.views.base.ApiView``; nothing to do in a view. For a request
with the header:

- the key (a string of 1 to 255 visible ASCII characters, quoted as a Structured Field string or not)
  belongs to the caller (``api.scoping.actor``): two callers never share one. A malformed key is 400.
- The first request runs; its answer, if it is a success (2xx), is kept (``IdempotentRequest``) in the
  SAME transaction as the write, so a crash leaves neither the write nor the answer.
- The same key again with the same method, path and body (byte for byte) is answered with the kept
  answer (status, body, ``Location``) and ``Idempotent-Replayed: true``; nothing runs.
- The same key with another method, path or body is 422: a key names one request.
- The same key while the first request is still running is 409 (a transaction-scoped advisory lock
  of the caller and key, taken without waiting; the unique constraint backs it).
- A refusal (4xx) is NOT kept: a refused request wrote nothing, so running it again cannot do anything
  twice, and a retry after its cause is fixed (a pending transfer cancelled, a code freed) may
  succeed. The draft leaves this to the server. A 5xx rolls everything back (the key stays free).
- Keys live ``IDEMPOTENCY_KEY_HOURS`` (24): an older one counts as new, and beat deletes them daily
  (``api.tasks``).

A write without the header still works (the schema recommends the header).
"""

import hashlib
import re
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponse
from django.utils import timezone
from rest_framework import exceptions, status

from api.models import IdempotentRequest

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
METHODS = frozenset({"POST", "PATCH"})
KEY_PATTERN = "^[!-~]{1,255}$"  # visible ASCII (RFC 8941 strings allow the space too; keys need none)
_KEY = re.compile(KEY_PATTERN)


class InvalidKey(exceptions.ValidationError):
    def __init__(self):
        super().__init__({HEADER: ["must be 1 to 255 visible ASCII characters (a UUID is a good key)"]})


class KeyInFlight(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "A request with this Idempotency-Key is still being processed: retry once it is answered."
    default_code = "idempotency_key_in_flight"


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = (
        "This Idempotency-Key was used for another request (another method, path or body): "
        "use a new key for a new request."
    )
    default_code = "idempotency_key_reused"


class Replay(Exception):
    """Raised by ``claim`` for a retry: ``ApiView.handle_exception`` answers with ``response()``."""

    def __init__(self, kept: IdempotentRequest):
        self.kept = kept

    def response(self) -> HttpResponse:
        kept = self.kept
        response = HttpResponse(kept.body, status=kept.status, content_type=kept.content_type)
        if kept.location:
            response["Location"] = kept.location
        response[REPLAYED] = "true"
        return response


@dataclass(frozen=True)
class Claim:
    """A first request with a key, holding its lock until its transaction ends."""

    actor_id: int
    key: str
    method: str
    path: str
    body_sha256: str


def key_of(request) -> str | None:
    """The request's key, or None when the request has none (or is not a POST or PATCH)."""
    if request.method not in METHODS:
        return None
    value = request.headers.get(HEADER)
    if value is None:
        return None
    value = value.strip()
    if len(value) > 2 and value[0] == value[-1] == '"':  # an sf-string (RFC 8941 §3.3.3)
        value = value[1:-1]
    if not _KEY.fullmatch(value):
        raise InvalidKey
    return value


def atomic_if_keyed(request):
    """The transaction a keyed write and its kept answer share (nothing for other requests)."""
    if request.method in METHODS and HEADER in request.headers:
        # Read (and cached) before anything parses the stream (an authentication's check of the
        # form, a view): once a parser has read the stream, the body can no longer be read for the hash.
        request.body  # noqa: B018
        return transaction.atomic()
    return nullcontext()


def lock_id(actor_id: int, key: str) -> int:
    """The advisory lock of a caller's key: 64 bits of a hash, signed as PostgreSQL's bigint."""
    digest = hashlib.sha256(f"casework idempotency\x00{actor_id}\x00{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def expired_before():
    return timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)


def claim(request, actor) -> Claim | None:
    """Called once the caller is known (after authentication), inside ``atomic_if_keyed``: None for a
    request without a key; a ``Claim`` for a first request; raises ``Replay`` for a retry,
    ``KeyReused`` (422) for another request under the key, ``KeyInFlight`` (409) while it runs."""
    key = key_of(request)
    if key is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [lock_id(actor.pk, key)])
        if not cursor.fetchone()[0]:
            raise KeyInFlight
    asked = Claim(
        actor_id=actor.pk,
        key=key,
        method=request.method,
        path=request.get_full_path(),
        body_sha256=hashlib.sha256(request.body).hexdigest(),
    )
    kept = IdempotentRequest.objects.filter(actor_id=actor.pk, key=key).first()
    if kept is not None and kept.created_at < expired_before():
        kept.delete()  # past its lifetime and not purged yet: the key is new again
        kept = None
    if kept is None:
        return asked
    if (kept.method, kept.path, kept.body_sha256) != (asked.method, asked.path, asked.body_sha256):
        raise KeyReused
    raise Replay(kept)


def keep(claimed: Claim, response) -> None:
    """Keep a success's answer under its key (a refusal is not kept: see the module's docstring)."""
    if not 200 <= response.status_code < 300:
        return
    if hasattr(response, "render"):
        response.render()
    # The advisory lock keeps a second writer of the key out; the unique constraint would refuse one.
    IdempotentRequest.objects.create(
        actor_id=claimed.actor_id,
        key=claimed.key,
        method=claimed.method,
        path=claimed.path,
        body_sha256=claimed.body_sha256,
        status=response.status_code,
        content_type=response.get("Content-Type", ""),
        location=response.get("Location", ""),
        body=response.content.decode(),
    )


def purge(*, now=None) -> int:
    """Delete the kept answers past ``IDEMPOTENCY_KEY_HOURS``; returns how many went."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
