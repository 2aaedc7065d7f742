"""Leases of a shared window's hits (api/hit_leases.py), against a window kept in a list."""

import asyncio

from api.hit_leases import LEASE_SECONDS, HitLeases


class Window:
    """A shared window of `room` hits, recording the size of every take."""

    def __init__(self, room: int) -> None:
        self.room = room
        self.asked: list[int] = []

    async def take(self, _key: str, hits: int) -> bool:
        self.asked.append(hits)
        if hits > self.room:
            return False
        self.room -= hits
        return True


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_leases_double_while_spent_in_time_up_to_the_most():
    window = Window(room=1_000)
    leases = HitLeases(window.take, most=8, clock=Clock())

    assert all([await leases.hit("t") for _ in range(39)])

    assert window.asked == [1, 2, 4, 8, 8, 8, 8]
    assert window.room == 1_000 - 39


async def test_a_lapsed_lease_is_followed_by_one_hit():
    window, clock = Window(room=1_000), Clock()
    leases = HitLeases(window.take, most=8, clock=clock)
    for _ in range(4):
        await leases.hit("t")  # leases of 1, 2, then 4 with 3 left

    clock.now += LEASE_SECONDS
    await leases.hit("t")

    assert window.asked == [1, 2, 4, 1]


async def test_the_last_hits_of_the_window_are_taken_one_by_one_then_refused():
    window = Window(room=5)
    leases = HitLeases(window.take, most=8, clock=Clock())

    admitted = [await leases.hit("t") for _ in range(7)]

    assert admitted == [True] * 5 + [False] * 2
    # Short of a lease, one hit; refused after that, one ask more (and one after a refusal).
    assert window.asked == [1, 2, 4, 1, 2, 1, 2, 1, 1]
    assert window.room == 0


async def test_requests_at_once_wait_for_one_lease_between_them():
    window = Window(room=1_000)
    leases = HitLeases(window.take, most=100, clock=Clock())

    admitted = await asyncio.gather(*(leases.hit("t") for _ in range(100)))

    assert all(admitted)
    assert window.asked == [1, 2, 4, 8, 16, 32, 64]


async def test_each_key_has_its_own_lease():
    window = Window(room=1_000)
    leases = HitLeases(window.take, most=8, clock=Clock())

    for key in ("a", "b", "a", "b"):
        await leases.hit(key)

    assert window.asked == [1, 1, 2, 2]
