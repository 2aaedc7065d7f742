"""A rate with a burst, as the settings give it ('10/second burst 20'); `api/rate_limits.py`
turns it into the moving window that enforces it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import limits


@dataclass(frozen=True)
class Rate:
    """`amount` hits per `seconds`, in bursts of up to `burst` (at least `amount`)."""

    amount: int
    seconds: int
    burst: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """'10/second burst 20', '60/minute', '5 per 10 seconds'; ValueError otherwise."""
        rate_text, _, burst_text = text.strip().lower().partition(" burst ")
        item = limits.parse(rate_text)
        burst = int(burst_text) if burst_text else item.amount
        if item.amount < 1 or burst < item.amount:
            raise ValueError("the rate must be at least 1 and the burst at least the rate")
        return cls(item.amount, item.get_expiry(), burst)

    def window(self, namespace: str) -> limits.RateLimitItem:
        """The moving window of `burst` hits that keeps `amount` per `seconds` on average."""
        seconds = math.ceil(self.burst * self.seconds / self.amount)
        return limits.RateLimitItemPerSecond(self.burst, seconds, namespace=namespace)
