"""Where a webhook may be sent: `https://` to public addresses only, checked at send time after
DNS resolution (a name that resolves to 127.0.0.1 or 10.x is refused like the address itself),
unless PROPFLOW_WEBHOOK_ALLOW_PRIVATE=true, which also allows `http://` (local receivers).

The request then resolves the name again, so a name whose answer changes between the two
(DNS rebinding) could still reach a private address; redirects are not followed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit


class RefusedDestinationError(Exception):
    def __init__(self, url: str, reason: str) -> None:
        super().__init__(url, reason)
        self.url = url
        self.reason = reason

    def __str__(self) -> str:
        return f"Refused to call {self.url}: {self.reason}"


async def check_destination(url: str, *, allow_private: bool) -> None:
    """Raise RefusedDestinationError unless `url` may be called now."""
    parts = urlsplit(url)
    if allow_private:
        return
    if parts.scheme != "https":
        raise RefusedDestinationError(url, "only https:// (set PROPFLOW_WEBHOOK_ALLOW_PRIVATE)")
    try:
        answers = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname, parts.port or 443, type=socket.SOCK_STREAM
        )
    except socket.gaierror as error:
        raise RefusedDestinationError(url, f"the name does not resolve ({error})") from None
    for *_, address in answers:
        ip = ipaddress.ip_address(address[0])
        if not ip.is_global:
            raise RefusedDestinationError(url, f"{ip} is not a public address")
