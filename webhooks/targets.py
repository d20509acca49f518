"""Which addresses a webhook may be sent to (server-side request forgery).

A URL is checked when the office saves an endpoint and again at every delivery: the host is resolved
once (``socket.getaddrinfo``, which also reads decimal, octal and short forms such as ``2130706433``
or ``0x7f.1``), every address it resolves to is checked with :mod:`ipaddress`, and the delivery then
connects to the checked address itself (``webhooks.delivery``), so a DNS answer that changes between
the check and the connection (rebinding) cannot send it elsewhere.

Refused unless ``WEBHOOK_ALLOW_PRIVATE_TARGETS`` is on: loopback, private, link-local (the cloud
metadata address 169.254.169.254), shared (100.64/10), reserved and any other not globally routable
address, also when written as an IPv4-mapped IPv6 address. Multicast and the unspecified address
(``0.0.0.0``, ``::``) are refused always.
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class TargetRefused(Exception):
    """The URL may not be posted to; the message says why (kept in the delivery log)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written in the URL (the Host header, and the name TLS checks)
    port: int
    path: str  # path and query
    address: str  # the vetted address to connect to


def address_refusal(address: str, *, allow_private: bool | None = None) -> str | None:
    """Why ``address`` may not be connected to, or None."""
    if allow_private is None:
        allow_private = settings.WEBHOOK_ALLOW_PRIVATE_TARGETS
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        ip = ip.ipv4_mapped or ip.sixtofour or ip
    if ip.is_multicast or ip.is_unspecified:
        return _("%(address)s is a multicast or unspecified address") % {"address": ip}
    if allow_private:
        return None
    if ip.is_loopback:
        return _("%(address)s is a loopback address") % {"address": ip}
    if ip.is_link_local:
        return _("%(address)s is a link-local address") % {"address": ip}
    if ip.is_private:
        return _("%(address)s is a private address") % {"address": ip}
    if ip.is_reserved or not ip.is_global:
        return _("%(address)s is not a public address") % {"address": ip}
    return None


class Unresolved(OSError):
    """The host's name did not resolve (now): a delivery retries it; saving an endpoint refuses it."""


def resolve(url: str, *, allow_private: bool | None = None) -> Target:
    """Check ``url`` and resolve its host; raises :class:`TargetRefused` with the reason."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(_("Not a valid URL: %(error)s") % {"error": exc}) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise TargetRefused(_("Only http and https URLs may be used."))
    host = parts.hostname
    if not host:
        raise TargetRefused(_("The URL has no host."))
    if parts.username or parts.password:
        raise TargetRefused(_("The URL may not contain a user name or password."))
    port = port or (443 if scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except UnicodeError as exc:
        raise TargetRefused(_("The host %(host)s could not be resolved.") % {"host": host}) from exc
    except OSError as exc:
        # A name server that does not answer now may answer later: retried, not refused for good.
        raise Unresolved(_("The host %(host)s could not be resolved.") % {"host": host}) from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise Unresolved(_("The host %(host)s could not be resolved.") % {"host": host})
    for address in addresses:  # every answer is checked: a name with one private address is refused
        reason = address_refusal(address, allow_private=allow_private)
        if reason:
            raise TargetRefused(_("Refused (%(host)s): %(reason)s.") % {"host": host, "reason": reason}
                                if address != host else _("Refused: %(reason)s.") % {"reason": reason})
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])
