"""``ETag`` / ``If-None-Match`` on reads: the tag is a hash of the body the caller would get (after scoping
and masking, so two roles never share a tag for different bodies), and a request that already holds it
gets 304 without the body. The read itself still happens (and is logged): the tag is of the answer,
which only the read can tell.
"""

import hashlib

from django.http import HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags, quote_etag


def etag_of(content: bytes) -> str:
    return quote_etag(hashlib.sha256(content).hexdigest()[:32])


def conditional(request, response):
    """Tag a rendered 200 response to GET or HEAD, or answer 304 when ``If-None-Match`` holds its tag."""
    # Personal data: only the caller's own client may keep it, and must ask again before using it.
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Cookie"])
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    response.render()
    etag = etag_of(response.content)
    response["ETag"] = etag
    asked = parse_etags(request.headers.get("If-None-Match", ""))
    # Weak comparison (RFC 9110 §13.1.2): W/"x" matches "x".
    if "*" in asked or etag in {tag.removeprefix("W/") for tag in asked}:
        not_modified = HttpResponseNotModified()
        for header in ("ETag", "Cache-Control", "Vary"):
            not_modified[header] = response[header]
        return not_modified
    return response
