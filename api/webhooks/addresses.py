"""Where a webhook may be sent: `https://` to public addresses only, checked at send time after
DNS resolution (a name that resolves to 127.0.0.1 or 10.x is refused like the address itself),
unless PROPFLOW_WEBHOOK_ALLOW_PRIVATE=true, which also allows `http://` (local receivers).

The name is resolved once, every address it resolves to is checked, and the request connects
to the checked address (`Destination.request`): a name whose answer changes between the check
and the connection (DNS rebinding) cannot reach a private address. Redirects are not followed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

# The addresses a name resolves to (IPv4 or IPv6 text); the system resolver unless a test or
# an embedding application installs another.
Resolver = Callable[[str, int], Awaitable[list[str]]]


class RefusedDestinationError(Exception):
    def __init__(self, url: str, reason: str) -> None:
        super().__init__(url, reason)
        self.url = url
        self.reason = reason

    def __str__(self) -> str:
        return f"Refused to call {self.url}: {self.reason}"


async def system_resolve(host: str, port: int) -> list[str]:
    answers = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(address[0]) for *_, address in answers]


@dataclass(frozen=True)
class Destination:
    """A webhook URL and the one address the request connects to."""

    url: httpx.URL
    address: str

    def request(self, client: httpx.AsyncClient, **kwargs: Any) -> httpx.Request:
        """A POST to the pinned address that still names the host: its Host header, and for
        https:// its TLS server name (SNI), against which the certificate is verified."""
        headers = {**kwargs.pop("headers", {}), "Host": self.url.netloc.decode("ascii")}
        return client.build_request(
            "POST",
            self.url.copy_with(host=self.address),
            headers=headers,
            extensions={"sni_hostname": self.url.host},
            **kwargs,
        )


async def resolve_destination(url: str, *, allow_private: bool, resolve: Resolver) -> Destination:
    """Resolve `url`'s host once and check each address; RefusedDestinationError unless the URL
    may be called now."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        raise RefusedDestinationError(url, f"not a URL ({error})") from None
    if parsed.scheme not in ("https", "http") or not parsed.host:
        raise RefusedDestinationError(url, "only https:// URLs with a host")
    if parsed.scheme != "https" and not allow_private:
        raise RefusedDestinationError(url, "only https:// (set PROPFLOW_WEBHOOK_ALLOW_PRIVATE)")
    try:
        answers = await resolve(
            parsed.host, parsed.port or (443 if parsed.scheme == "https" else 80)
        )
    except OSError as error:
        raise RefusedDestinationError(url, f"the name does not resolve ({error})") from None
    if not answers:
        raise RefusedDestinationError(url, "the name does not resolve")
    if not allow_private:
        for answer in answers:
            if not ipaddress.ip_address(answer).is_global:
                raise RefusedDestinationError(url, f"{answer} is not a public address")
    return Destination(parsed, answers[0])
