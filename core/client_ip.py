"""The client's network address, believing a forwarded header only from a trusted proxy.

Behind the README's TLS proxy every connection comes from the proxy, so REMOTE_ADDR alone would put
every user behind one address (one attacker could lock out the whole site); believing
X-Forwarded-For from anyone would let an attacker name any address (lock out the chair's, or hide
behind a new one on every try). So: REMOTE_ADDR, unless it is one of ``settings.TRUSTED_PROXIES``
(addresses or networks); then X-Forwarded-For is read from the right, each trusted proxy having
appended the address it received the request from, and the first address that is not a trusted
proxy is the client. Whatever the client wrote at the left of the header is never reached.

Used by django-axes (AXES_CLIENT_IP_CALLABLE); anything else that needs "who is asking from where"
(the access log, rate limits) should call ``client_ip`` too.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def parse_address(value: str) -> Address | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket (::ffff:203.0.113.7) is that IPv4 address.
    return getattr(address, "ipv4_mapped", None) or address


def is_trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from, as described above (None if the server gave none)."""
    remote = parse_address(request.META.get("REMOTE_ADDR", ""))
    if remote is None:
        return None
    networks = trusted_networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    if not is_trusted(remote, networks):
        return str(remote)
    client = remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            break  # a trusted proxy never writes this: stop at the last address a proxy vouched for
        client = address
        if not is_trusted(address, networks):
            break
    return str(client)
