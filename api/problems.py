"""Errors as RFC 9457 problem details (``application/problem+json``): ``type``, ``title``, ``status``,
``detail``, and for a request that does not validate ``errors``, one entry per message naming its
``field`` (a query parameter or a body field; none for an error of the whole request).

A service's refusal naming the rows of a list it was given ("line 3, amount: …", as the importers' and
the reconciliation's messages read) is answered field by field as a body's list would be, e.g.
``lines.1.amount`` (``rows_refused``); a refusal of the object's current state is 409 (``Conflict``).

The ``type`` is ``about:blank`` (the status says it all; RFC 9457 §4.2.1). A missing object and one
outside the caller's scope are the same 404 with the same words, as on the pages.
"""

from contextlib import contextmanager
from http import HTTPStatus

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

PROBLEM_JSON = "application/problem+json"
NON_FIELD_KEYS = {"non_field_errors", "__all__"}


def _field_errors(data, prefix: str = "") -> list[dict]:
    """``{"q": ["…"], "members": [{"name": ["…"]}]}`` as ``[{"field": "q", "detail": "…"}, …]``."""
    errors = []
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            errors += _field_errors(value, "" if key in NON_FIELD_KEYS and not prefix else name)
    elif isinstance(data, list) and any(isinstance(item, dict | list) for item in data):
        for index, item in enumerate(data):
            errors += _field_errors(item, f"{prefix}.{index}" if prefix else str(index))
    else:
        for message in data if isinstance(data, list) else [data]:
            errors.append({"field": prefix, "detail": str(message)} if prefix else {"detail": str(message)})
    return errors


class Conflict(exceptions.APIException):
    """The request is well formed but the object's state refuses it now (a run not sent to the payer)."""

    status_code = 409
    default_detail = "This is not possible in the object's current state."
    default_code = "conflict"


def rows_refused(rows: list[tuple[int | None, str, str]], field: str) -> exceptions.ValidationError:
    """A refusal of some rows of the list ``field`` of a body as the 400 a serializer gives for them:
    ``rows`` are (index in the list or None for the whole list, column or "", message), and the
    answer's ``errors`` name ``field.index.column`` (``lines.3.amount``) as for a nested field."""
    size = max((index + 1 for index, _column, _message in rows if index is not None), default=0)
    items: list[dict] = [{} for _index in range(size)]
    whole: list[str] = []
    for index, column, message in rows:
        if index is None or index < 0:
            whole.append(message)
        else:
            items[index].setdefault(column or "non_field_errors", []).append(message)
    data: dict = {}
    if items:
        data[field] = items
    if whole:
        data["non_field_errors"] = whole
    return exceptions.ValidationError(data)


@contextmanager
def fields_named(rename):
    """A service's refusal (``ValidationError`` by field) with its fields named as the request's body
    names them: ``rename("members[1].national_id")`` -> ``"members.0.national_id"``. The messages stay
    the service's; an error of the whole request stays one."""
    try:
        yield
    except DjangoValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise DjangoValidationError({rename(name): errors for name, errors in error.error_dict.items()}) from error


def problem(status: int, detail: str, **extra) -> dict:
    return {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail, **extra}


def problem_details_handler(exc, context):
    if isinstance(exc, DjangoValidationError):  # a service's refusal (core.services.refuse_field)
        exc = exceptions.ValidationError(as_serializer_error(exc))
    response = exception_handler(exc, context)
    if response is None:
        return None  # not an API error: Django answers 500 (and logs it)
    status = response.status_code
    if isinstance(exc, exceptions.ValidationError):
        body = problem(status, "The request has fields that are not valid.", errors=_field_errors(response.data))
    elif status == 404:  # Http404 of an access door, or DRF's NotFound
        body = problem(status, "Nothing here, or nothing you may read.")
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        body = problem(status, str(detail))
    response.data = body
    response.content_type = PROBLEM_JSON
    return response
