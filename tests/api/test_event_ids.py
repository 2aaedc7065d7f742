"""Event ids (api/visitors/event_ids.py): claim, duplicate, conflict."""

import pytest
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api.errors import ConflictError
from api.visitors import event_ids
from api.visitors.event_ids import Answer

CLAIM = (1, "visitor", "e1")
PRICING = event_ids.fingerprint("pageView", "/pricing")
OTHER = event_ids.fingerprint("pageView", "/other")


async def claim_first(answer: Answer) -> None:
    async with in_transaction():
        await event_ids.claim([(CLAIM, PRICING, answer)])


async def test_event_ids_events_without_an_id_or_never_claimed_are_new(app):
    sorted_out = await event_ids.sort_out([(None, PRICING), (CLAIM, PRICING), (None, PRICING)])

    assert sorted_out == event_ids.Sorted(new=[0, 1, 2])


async def test_event_ids_a_claimed_id_gets_its_first_answer_again(app):
    answer = Answer(contact_id=7, started_runs=2, message_ids=[3, 4])
    await claim_first(answer)

    sorted_out = await event_ids.sort_out([(CLAIM, PRICING), ((1, "other", "e1"), PRICING)])

    assert sorted_out == event_ids.Sorted(new=[1], answered={0: answer})


async def test_event_ids_a_duplicate_within_a_group_is_the_same_as_its_first(app):
    sorted_out = await event_ids.sort_out([(CLAIM, PRICING), (CLAIM, PRICING), (CLAIM, OTHER)])

    assert (sorted_out.new, sorted_out.same_as, list(sorted_out.conflicts)) == ([0], {1: 0}, [2])


async def test_event_ids_another_payload_under_a_claimed_id_is_a_conflict(app):
    await claim_first(Answer(7, 0, []))

    sorted_out = await event_ids.sort_out([(CLAIM, OTHER)])

    conflict = sorted_out.conflicts[0]
    assert isinstance(conflict, ConflictError)
    assert conflict.extensions["eventId"] == "e1"


async def test_event_ids_a_second_claim_of_one_id_fails(app):
    await claim_first(Answer(7, 0, []))

    with pytest.raises(IntegrityError):
        await claim_first(Answer(8, 0, []))
    assert (await event_ids.sort_out([(CLAIM, PRICING)])).answered == {0: Answer(7, 0, [])}


def test_event_ids_the_fingerprint_binds_kind_and_payload():
    assert event_ids.fingerprint("pageView", "/a") == event_ids.fingerprint("pageView", "/a")
    assert event_ids.fingerprint("pageView", "/a") != event_ids.fingerprint("pageView", "/b")
    assert event_ids.fingerprint("pageView", "/a") != event_ids.fingerprint("reply", "/a")
