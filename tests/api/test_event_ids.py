"""Event ids (api/visitors/event_ids.py): claim, duplicate, conflict."""

import pytest
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api.errors import ConflictError
from api.visitors import event_ids
from api.visitors.event_ids import Answer

CLAIM = (1, "visitor", "e1")
PRICING = event_ids.fingerprint("pageView", "/pricing")


async def test_event_ids_a_claim_is_found_with_its_first_answer(app):
    answer = Answer(contact_id=7, started_runs=2, message_ids=[3, 4])
    async with in_transaction():
        await event_ids.claim([(CLAIM, PRICING, answer)])

    seen = await event_ids.claimed([CLAIM, (1, "visitor", "e2"), (1, "other", "e1")])

    assert list(seen) == [CLAIM]
    assert event_ids.first_answer("e1", PRICING, seen[CLAIM]) == answer


async def test_event_ids_another_payload_under_a_claimed_id_is_a_conflict(app):
    async with in_transaction():
        await event_ids.claim([(CLAIM, PRICING, Answer(7, 0, []))])
    seen = (await event_ids.claimed([CLAIM]))[CLAIM]

    with pytest.raises(ConflictError) as refused:
        event_ids.first_answer("e1", event_ids.fingerprint("pageView", "/other"), seen)
    assert refused.value.extensions["eventId"] == "e1"


async def test_event_ids_a_second_claim_of_one_id_fails(app):
    async with in_transaction():
        await event_ids.claim([(CLAIM, PRICING, Answer(7, 0, []))])

    with pytest.raises(IntegrityError):
        async with in_transaction():
            await event_ids.claim([(CLAIM, PRICING, Answer(8, 0, []))])
    assert event_ids.first_answer("e1", PRICING, (await event_ids.claimed([CLAIM]))[CLAIM]) == (
        Answer(7, 0, [])
    )


def test_event_ids_the_fingerprint_binds_kind_and_payload():
    assert event_ids.fingerprint("pageView", "/a") == event_ids.fingerprint("pageView", "/a")
    assert event_ids.fingerprint("pageView", "/a") != event_ids.fingerprint("pageView", "/b")
    assert event_ids.fingerprint("pageView", "/a") != event_ids.fingerprint("reply", "/a")
