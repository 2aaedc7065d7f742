"""Concurrent page views are applied in groups, one transaction each (api/visitors/page_views.py).

What a group must never change: each view's result is its own, an error reaches only its view,
and every view counts exactly once, with or without an eventId, even when a group is rolled back
and its views are applied again one by one. Some tests call `page_views.track` directly with
`asyncio.gather`: every view is then waiting before the first group starts, one group for all.
"""

import asyncio

import httpx
import pytest

from api.contacts.models import PropertyChange
from api.flows.models import BotMessage, ContactVisit, FlowNodeEntry, FlowRun
from api.inbox.models import PageViewRecord, VisitorPresence
from api.visitors import page_views
from api.visitors.page_views import PageView
from api.workspaces import service as workspaces_service
from tests.support import databases
from tests.support.builders import create_property, publish_flow, workspace_key
from tests.support.graphql import GraphQLClient, code_of
from tests.support.server import operator_token, served
from tests.support.visitor import TRACK, Visitor

CONTACT = """
query($id: ID!) {
  contact(id: $id) {
    email updatedAt value(key: "page_views") history { key oldValue newValue source }
  }
}"""
RESET = """
mutation($id: ID!) {
  setContactProperties(contactId: $id, values: [{key: "page_views", value: 0}]) { id }
}"""
VISITORS = 30


def chain(url: str, *steps: tuple[str, dict], limit: str = "every_visit") -> dict:
    """A flow: a visit of `url` (prefix), then each (node type, config) in turn."""
    trigger = ("page_visit", {"match": "prefix", "url": url, "limit": limit})
    nodes = [
        {"id": f"n{n}", "type": type, "position": {"x": 260 * n, "y": 0}, "config": config}
        for n, (type, config) in enumerate([trigger, *steps])
    ]
    edges = [
        {"id": f"e{n}", "source": f"n{n}", "sourcePort": "next", "target": f"n{n + 1}"}
        for n in range(len(steps))
    ]
    return {"nodes": nodes, "edges": edges}


def counting(url: str, by: float) -> dict:
    """A flow adding `by` to Page views on every visit of `url`."""
    return chain(url, ("increment_property", {"key": "page_views", "by": by}))


def setting(url: str, page_views: int | None, email: str | None) -> dict:
    updates = [{"key": "page_views", "value": page_views}, {"key": "email", "value": email}]
    return chain(url, ("update_property", {"updates": updates}))


async def one_group(key: str, visitor_id: str, *urls: str) -> list:
    """The views of one visitor, all waiting before the group starts: one group."""
    workspace = await workspaces_service.workspace_for_key(key)
    views = [PageView(workspace.id, visitor_id, url, None) for url in urls]
    return await asyncio.gather(*(page_views.track(view) for view in views))


@pytest.fixture
async def key(gql: GraphQLClient) -> str:
    await create_property(gql, "Page views", "NUMBER")
    await publish_flow(gql, "Count", counting("/pricing", 1))
    return await workspace_key(gql)


async def contact(gql: GraphQLClient, contact_id: str) -> dict:
    return (await gql(CONTACT, id=contact_id))["contact"]


async def test_a_failing_view_fails_alone_and_every_other_view_counts_once(gql, key):
    await publish_flow(gql, "Huge", counting("/huge", 1e308))
    full = Visitor(gql, key)
    await full.visit("/huge")  # 1e308: one more visit would leave the finite range
    others = [Visitor(gql, key) for _ in range(VISITORS)]

    half = VISITORS // 2
    calls = [other.visit("/pricing") for other in others[:half]]
    calls.append(full.error(TRACK, url="/huge", eventId="too-far"))
    calls += [other.visit("/pricing", event_id="e") for other in others[half:]]
    answers = await asyncio.gather(*calls)
    refused = answers.pop(half)

    assert code_of(refused) == "VALIDATION_FAILED"
    assert "page_views" in refused["message"]
    for result in answers:
        counted = await contact(gql, result["contactId"])
        assert counted["value"] == 1
        assert [(h["oldValue"], h["newValue"]) for h in counted["history"]] == [(None, 1)]
    untouched = await full.visit("/nowhere")
    assert (await contact(gql, untouched["contactId"]))["value"] == 1e308
    assert await FlowRun.filter(contact_id=int(untouched["contactId"])).count() == 1
    # The refused event id was never claimed: once the cause is gone, it counts.
    await gql(RESET, id=untouched["contactId"])
    assert (await full.visit("/huge", event_id="too-far"))["duplicate"] is False


async def test_duplicates_arriving_together_count_once_and_conflicts_are_refused(gql, key):
    visitor = Visitor(gql, key)
    same_moment = [
        visitor.client.execute(TRACK, key=key, visitor=visitor.id, url=url, eventId="same-moment")
        for _ in range(10)
        for url in ("/pricing", "/pricing?plan=team")
    ]

    # Another visitor's view first, so that the duplicates wait for the next group together.
    _, *answers = await asyncio.gather(Visitor(gql, key).visit("/pricing"), *same_moment)

    applied = [a["data"]["trackPageView"] for a in answers if not a.get("errors")]
    refused = [a["errors"][0] for a in answers if a.get("errors")]
    assert [a["duplicate"] for a in applied].count(False) == 1
    assert len(applied) == 10  # the winner's URL, ten times; the other URL is a conflict
    assert {code_of(error) for error in refused} == {"CONFLICT"}
    assert (await contact(gql, applied[0]["contactId"]))["value"] == 1


async def test_a_duplicate_changes_nothing_not_even_the_contacts_updated_at(gql, key):
    visitor = Visitor(gql, key)
    first = await visitor.visit("/pricing", event_id="once")
    before = await contact(gql, first["contactId"])
    # About time: the clock moves on, so that a write by the duplicate would change updatedAt.
    await asyncio.sleep(0.01)

    again = await visitor.visit("/pricing", event_id="once")
    refused = await visitor.error(TRACK, url="/other", eventId="once")

    assert again["duplicate"] is True
    assert code_of(refused) == "CONFLICT"
    assert await contact(gql, first["contactId"]) == before


async def test_one_visitor_several_times_in_one_group_is_applied_in_order(gql, key):
    await publish_flow(gql, "Set", setting("/set", 10, "a@example.com"))
    await publish_flow(gql, "Clear", setting("/clear", None, None))

    first = await one_group(key, "same", "/pricing", "/set", "/pricing")
    contact_id = str(first[0].contact_id)
    after_set = await contact(gql, contact_id)
    await one_group(key, "same", "/pricing", "/pricing")
    after_increments = await contact(gql, contact_id)
    await one_group(key, "same", "/set", "/pricing", "/clear")
    after_clear = await contact(gql, contact_id)
    await one_group(key, "same", "/clear", "/pricing", "/pricing")
    final = await contact(gql, contact_id)

    assert (after_set["value"], after_set["email"]) == (11, "a@example.com")
    assert after_increments["value"] == 13
    assert (after_clear["value"], after_clear["email"]) == (None, None)
    assert (final["value"], final["email"]) == (2, None)
    steps = [(h["oldValue"], h["newValue"]) for h in final["history"] if h["key"] == "page_views"]
    assert steps[::-1] == [
        *[(None, 1), (1, 10), (10, 11)],
        *[(11, 12), (12, 13)],
        *[(13, 10), (10, 11), (11, None)],
        *[(None, 1), (1, 2)],
    ]


async def test_each_view_of_a_group_moves_its_visitor_and_is_listed(gql, key):
    await one_group(key, "back", "/pricing")

    results = await one_group(key, "back", "/a", "/b", "/c")
    await one_group(key, "new", "/x")
    await asyncio.gather(one_group(key, "back", "/d"), one_group(key, "new", "/y"))

    workspace = await workspaces_service.workspace_for_key(key)
    presences = await VisitorPresence.filter(workspace_id=workspace.id).order_by("visitor_id")
    assert [(p.visitor_id, p.pages_this_visit, p.current_url) for p in presences] == [
        ("back", 5, "/d"),
        ("new", 2, "/y"),
    ]
    visits = await ContactVisit.filter(contact_id=results[0].contact_id)
    assert [(v.views, v.last_url) for v in visits] == [(5, "/d")]
    pages = await PageViewRecord.filter(contact_id=results[0].contact_id).order_by("id")
    assert [page.url for page in pages] == ["/pricing", "/a", "/b", "/c", "/d"]


async def test_once_per_visitor_and_newer_questions_within_one_group(gql, key):
    await create_property(gql, "Shoe size", "NUMBER")
    ask = ("ask_question", {"text": "Size?", "saveTo": "shoe_size", "maxRetries": 3})
    await publish_flow(gql, "Once", chain("/once", ask, limit="once_per_visitor"))
    await publish_flow(gql, "Every", chain("/every", ask))

    results = await one_group(key, "asked", "/once", "/once", "/every", "/every")

    assert [result.started_runs for result in results] == [1, 0, 1, 1]
    runs = await FlowRun.filter(contact_id=results[0].contact_id).order_by("id")
    assert [run.status for run in runs] == ["failed", "failed", "waiting"]


async def rows_of(contact_id: int) -> dict:
    """A contact's run, message, node entry and history rows, run ids as the runs' order."""
    runs = await FlowRun.filter(contact_id=contact_id).order_by("id")
    order = {run.id: n for n, run in enumerate(runs)}
    messages = await BotMessage.filter(contact_id=contact_id).order_by("id")
    entries = await FlowNodeEntry.filter(run_id__in=list(order)).order_by("id")
    history = await PropertyChange.filter(contact_id=contact_id).order_by("id")
    return {
        "runs": [
            (r.flow_id, r.status, r.current_node_id, r.failure, r.finished_at is None) for r in runs
        ],
        "messages": [(order[m.run_id], m.node_id, m.text, m.expects_answer) for m in messages],
        "entries": [(order[e.run_id], e.node_id) for e in entries],
        "history": [history_row(change, order) for change in history],
    }


def history_row(change: PropertyChange, order: dict[int, int]) -> tuple:
    """A flow's change; its source `flowId:version:nodeId:runId` names the run by its order."""
    node, _, run_id = change.source_id.rpartition(":")
    return (change.key, change.old_value, change.new_value, change.source, node, order[int(run_id)])


async def test_a_group_writes_the_same_rows_as_its_views_one_at_a_time(gql, key):
    await create_property(gql, "Shoe size", "NUMBER")
    ask = ("ask_question", {"text": "Size?", "saveTo": "shoe_size", "maxRetries": 3})
    hello = ("send_message", {"text": "Hello {page_views|you}"})
    await publish_flow(gql, "Ask", chain("/ask", hello, ask))
    await publish_flow(gql, "Hello", chain("/pricing", hello))
    urls = ["/pricing", "/ask", "/pricing", "/ask", "/other", "/pricing"]

    grouped = await asyncio.gather(
        one_group(key, "together-1", *urls), one_group(key, "together-2", *urls[::-1])
    )
    alone = [
        [(await one_group(key, visitor, url))[0] for url in visitor_urls]
        for visitor, visitor_urls in (("alone-1", urls), ("alone-2", urls[::-1]))
    ]

    for together, one_by_one in zip(grouped, alone, strict=True):
        assert [(r.started_runs, [m.text for m in r.messages]) for r in together] == [
            (r.started_runs, [m.text for m in r.messages]) for r in one_by_one
        ]
        assert all(m.id is not None and m.run_id is not None for r in together for m in r.messages)
        assert await rows_of(together[0].contact_id) == await rows_of(one_by_one[0].contact_id)
    first = await rows_of(grouped[0][0].contact_id)
    assert [status for _, status, *_ in first["runs"]].count("waiting") == 1


class FailingAfterCommit:
    """The one fault a test cannot cause: the connection lost just after COMMIT (a lost reply,
    or asyncpg failing to reset the connection it gives back to the pool)."""

    def __init__(self, transaction: object) -> None:
        self.transaction = transaction

    async def __aenter__(self) -> object:
        return await self.transaction.__aenter__()  # type: ignore[attr-defined]

    async def __aexit__(self, *failure: object) -> None:
        await self.transaction.__aexit__(*failure)  # type: ignore[attr-defined]
        if failure[0] is None:
            raise ConnectionResetError("connection lost after COMMIT")


async def test_a_group_whose_commit_failed_is_never_applied_again(gql, key, monkeypatch):
    workspace = await workspaces_service.workspace_for_key(key)
    real = page_views.in_transaction
    monkeypatch.setattr(page_views, "in_transaction", lambda: FailingAfterCommit(real()))
    views = [PageView(workspace.id, f"visitor-{n}", "/pricing", None) for n in range(3)]

    outcomes = await asyncio.gather(
        *(page_views.track(view) for view in views), return_exceptions=True
    )
    monkeypatch.undo()

    assert [type(outcome) for outcome in outcomes] == [ConnectionResetError] * 3
    counted = await gql(
        "{ contacts(first: 10, includeAnonymous: true) "
        '{ edges { node { value(key: "page_views") } } } }'
    )
    assert [edge["node"]["value"] for edge in counted["contacts"]["edges"]] == [1, 1, 1]


async def test_two_processes_given_the_same_events_count_each_once(postgres_url: str):
    """Both processes claim each event id at the same moment: the loser's group is rolled back
    and its views, applied again one by one, find the winner's claim and answer from it."""
    await databases.truncate_postgres(postgres_url)
    token = operator_token(postgres_url)
    with served(postgres_url) as first, served(postgres_url) as second:
        async with httpx.AsyncClient(timeout=60) as http:
            gql = GraphQLClient(httpx.AsyncClient(base_url=first, timeout=60), token)
            await create_property(gql, "Page views", "NUMBER")
            await publish_flow(gql, "Count", counting("/pricing", 1))
            key = await workspace_key(gql)
            visitors = [f"visitor-{n}" for n in range(10)]
            events = [(visitor, f"view-{n}") for visitor in visitors for n in range(4)]

            async def send(base_url: str, visitor: str, event_id: str) -> dict:
                variables = {"key": key, "visitor": visitor, "url": "/pricing", "eventId": event_id}
                response = await http.post(
                    f"{base_url}/graphql", json={"query": TRACK, "variables": variables}
                )
                body = response.json()
                assert not body.get("errors"), body
                return body["data"]["trackPageView"]

            answers = await asyncio.gather(
                *(send(url, v, e) for v, e in events for url in (first, second))
            )
            counts = await gql(
                "{ contacts(first: 50, includeAnonymous: true) "
                '{ edges { node { visitorId value(key: "page_views") } } } }'
            )
            await gql.http.aclose()

    firsts = [answer for answer in answers if not answer["duplicate"]]
    assert len(firsts) == len(events)
    by_visitor = {e["node"]["visitorId"]: e["node"]["value"] for e in counts["contacts"]["edges"]}
    assert by_visitor == dict.fromkeys(visitors, 4)
