"""A small HTTP client on the standard library (no extra dependency) for the gateway backends."""

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass


class GatewayTimeout(Exception):
    pass


class GatewayUnreachable(Exception):
    pass


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def snippet(self, length: int = 200) -> str:
        return " ".join(self.text.split())[:length]

    def json_object(self) -> dict:
        """The body as a JSON object; ValueError if it is not one."""
        data = json.loads(self.body.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return data


def post(
    url: str, *, json_body=None, form_body=None, body: bytes | None = None, headers=None, timeout: float = 10.0
) -> HttpAnswer:
    """POST a JSON or form body, or ``body`` as given (with its Content-Type in ``headers``: the
    webhooks sign the exact bytes); any HTTP status is an answer. GatewayTimeout /
    GatewayUnreachable when no answer came."""
    headers = dict(headers or {})
    if body is not None:
        data = body
    elif json_body is not None:
        data = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
        headers.setdefault("Content-Type", "application/json; charset=utf-8")
    else:
        data = urllib.parse.urlencode(form_body or {}).encode("utf-8")
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
    headers.setdefault("Accept", "application/json")
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return HttpAnswer(response.status, response.read())
    except urllib.error.HTTPError as error:
        return HttpAnswer(error.code, error.read() or b"")
    except TimeoutError as error:
        raise GatewayTimeout(f"no answer within {timeout:g} s") from error
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise GatewayTimeout(f"no answer within {timeout:g} s") from error
        raise GatewayUnreachable(str(error.reason)) from error
    except (ConnectionError, OSError) as error:
        raise GatewayUnreachable(str(error)) from error


def dig(data: dict, path: str):
    """``data["a"]["b"]`` for the path "a.b"; None where a key is missing."""
    value = data
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value
