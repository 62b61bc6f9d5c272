"""Errors as RFC 9457 problem details (``application/problem+json``): ``type``, ``title``, ``status``,
``detail``, and for a request that does not validate ``errors``, one entry per message naming its
``field`` (a query parameter or a body field; none for an error of the whole request).

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
