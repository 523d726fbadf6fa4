"""The SSRF guard: where a partner URL may lead, decided before any connection is made.

Partner base URLs, token URLs and redirect targets come from merchandisers and from partners,
so each one could point at our own network (a database, the cloud metadata service at
169.254.169.254, an admin port on loopback). `destination_for` resolves the host once, refuses
the URL if ANY address it resolves to is not publicly routable, and returns the checked address
for the client to connect to. Connecting to that address (instead of letting the HTTP library
resolve the name again) is what defeats DNS rebinding: a name cannot pass the check with a
public address and then be connected to on a private one. The original name still goes in the
Host header, TLS SNI and certificate verification.

`settings.PARTNER_HOST_ALLOWLIST` ("host" or "host:port" entries) exempts named hosts from the
address check, for the loopback sandbox partners and for partners reached over a private link.

Resolving waits at most `resolve_timeout` seconds (see `resolver`): a resolver that does not
answer must not hold an attempt past its deadline.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import urlsplit

from partners.http.resolver import resolve

DEFAULT_PORTS = {"http": 80, "https": 443}
# Well-known and local-use NAT64 prefixes: the last 32 bits are the IPv4 address reached.
NAT64_NETWORKS = (
    ipaddress.IPv6Network("64:ff9b::/96"),
    ipaddress.IPv6Network("64:ff9b:1::/48"),
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class DestinationRefused(ValueError):
    """The URL may not be called; the message says why and is safe to show a merchandiser."""


@dataclass(frozen=True)
class Destination:
    """A checked URL: connect to `address`, but speak to `host` (Host header, SNI, cert)."""

    scheme: str
    host: str
    port: int
    address: str
    target: str

    @property
    def origin(self) -> tuple[str, str, int]:
        """Credentials only ever go back to the origin they were configured for."""
        return (self.scheme, self.host, self.port)

    @property
    def host_header(self) -> str:
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == DEFAULT_PORTS[self.scheme] else f"{name}:{self.port}"


def destination_for(url: str, allowlist: Collection[str], *, resolve_timeout: float) -> Destination:
    """Check `url` and resolve its host once.

    Raises DestinationRefused for a URL that must not be called, socket.gaierror when the
    name does not resolve (the partner is unreachable, not unsafe) and ResolveTimeout when it
    does not resolve within `resolve_timeout` seconds.
    """
    if any(char.isspace() or char == "\\" or ord(char) < 0x20 or ord(char) == 0x7F for char in url):
        raise DestinationRefused("The URL contains spaces, control characters or backslashes.")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise DestinationRefused(f"Only http and https URLs can be called, not {scheme!r}.")
    if "@" in parts.netloc:
        raise DestinationRefused("URLs with a user name or password in them are not allowed.")
    if not parts.hostname:
        raise DestinationRefused("The URL has no host.")
    try:
        port = DEFAULT_PORTS[scheme] if parts.port is None else parts.port
        host = parts.hostname.encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        raise DestinationRefused("The URL's host or port is not valid.") from None
    if port == 0:
        raise DestinationRefused("Port 0 cannot be called.")
    addresses = _resolve(host, port, resolve_timeout)
    if not _allowlisted(host, port, allowlist):
        for address in addresses:
            reason = address_unsafe_reason(address)
            if reason is not None:
                raise DestinationRefused(f"{host} resolves to a {reason} address ({address}).")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Destination(scheme, host, port, addresses[0], target)


def address_unsafe_reason(address: str) -> str | None:
    """Why a partner may not be reached at `address`, or None if it is publicly routable.

    IPv6 forms that embed an IPv4 address (IPv4-mapped, NAT64, 6to4) are judged by the IPv4
    address they lead to, so ::ffff:127.0.0.1 is loopback and ::ffff:8.8.8.8 is public.
    """
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return address_unsafe_reason(str(embedded))
    checks = (
        (ip.is_unspecified, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.is_private, "private"),
        (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local, "site-local"),
        (ip.is_reserved, "reserved"),
        (not ip.is_global, "non-public"),
    )
    return next((reason for unsafe, reason in checks if unsafe), None)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if any(ip in network for network in NAT64_NETWORKS):
        return ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF)
    return ip.sixtofour


def _resolve(host: str, port: int, timeout: float) -> list[str]:
    """Every address the name resolves to, in the resolver's preferred order, once each."""
    found = resolve(host, port, timeout=timeout)
    return list(dict.fromkeys(str(info[4][0]) for info in found))


def _allowlisted(host: str, port: int, allowlist: Collection[str]) -> bool:
    name = f"[{host}]" if ":" in host else host
    entries = {entry.strip().lower() for entry in allowlist}
    return bool(entries & {host, name, f"{name}:{port}"})
