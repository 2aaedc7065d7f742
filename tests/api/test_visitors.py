import json
from datetime import timedelta
from pathlib import Path

import pytest
from tortoise.timezone import now

from api.visitors import service as visitors_service
from api.visitors.models import VisitorEvent
from tests.support.builders import create_property, publish_flow, workspace_key
from tests.support.graphql import GraphQLClient, code_of
from tests.support.visitor import REPLY, TRACK, Visitor

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "flows"
CONTACT = """
query($id: ID!) {
  contact(id: $id) {
    visitorId properties { key value } history { key oldValue newValue source sourceId }
  }
}"""


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture
async def shop(gql: GraphQLClient) -> str:
    """The workspace's public key, with the seed's NUMBER properties."""
    for label in ("Page views", "Shoe size", "Lead score"):
        await create_property(gql, label, "NUMBER")
    return await workspace_key(gql)


@pytest.fixture
def visitor(gql: GraphQLClient, shop: str) -> Visitor:
    return Visitor(gql, shop)


async def contact_of(gql: GraphQLClient, contact_id: str) -> dict:
    return (await gql(CONTACT, id=contact_id))["contact"]


def values(contact: dict) -> dict:
    return {p["key"]: p["value"] for p in contact["properties"]}


async def test_page_views_counts_every_visit(gql, visitor):
    flow_id = await publish_flow(gql, "Page views", fixture("page_views"))

    results = [await visitor.visit("https://shop.example/pricing?ref=ad") for _ in range(3)]
    other_page = await visitor.visit("https://shop.example/about")

    assert [r["startedRuns"] for r in results] == [1, 1, 1]
    assert other_page["startedRuns"] == 0
    contact = await contact_of(gql, results[0]["contactId"])
    assert contact["visitorId"] == visitor.id
    assert values(contact) == {"page_views": 3}
    changes = [h for h in contact["history"] if h["key"] == "page_views"]
    assert [(h["oldValue"], h["newValue"], h["source"]) for h in changes] == [
        (2, 3, "FLOW"), (1, 2, "FLOW"), (None, 1, "FLOW"),
    ]  # fmt: skip
    assert changes[0]["sourceId"].startswith(f"{flow_id}:1:count:")


async def test_shoe_size_question_retries_then_saves_the_answer(gql, visitor):
    await publish_flow(gql, "Shoe size", fixture("shoe_size"))

    asked = await visitor.visit("https://shop.example/shoes/red-runner")
    big = await visitor.answer(text="big")
    abc = await visitor.answer(text="abc")
    done = await visitor.answer(text="42")

    assert asked["messages"] == [
        {"id": asked["messages"][0]["id"], "text": "What is your shoe size?", "options": None,
         "expectsAnswer": True},
    ]  # fmt: skip
    retry = "Please enter your size as a number, like 42."
    assert [m["text"] for m in big["messages"]] == [retry]
    assert [m["text"] for m in abc["messages"]] == [retry]
    assert [m["text"] for m in done["messages"]] == ["Thanks! We will show you shoes in size 42."]
    contact = await contact_of(gql, asked["contactId"])
    assert values(contact) == {"shoe_size": 42}
    assert [(h["newValue"], h["source"]) for h in contact["history"]] == [(42, "VISITOR")]
    nothing = await visitor.error(REPLY, text="43")
    assert code_of(nothing) == "VALIDATION_FAILED"


async def test_brands_offers_three_brands_and_asks_the_size_of_an_out_of_stock_one(gql, visitor):
    await create_property(gql, "Brand", "SELECT", options=["Nike", "Adidas", "Asics"])
    await publish_flow(gql, "Shoe brands", fixture("brands"))
    nike = Visitor(gql, visitor.key)

    offered = await visitor.visit("https://shop.example/demo/shop")
    asked = await visitor.answer(choice=2)
    forty = await visitor.answer(text="forty")
    saved = await visitor.answer(text="44")
    await nike.visit("https://shop.example/demo/shop")
    in_stock = await nike.answer(choice=0)

    assert [(m["text"], m["options"]) for m in offered["messages"]] == [
        ("Hi! Which brand are you looking for?", ["Nike", "Adidas", "Asics"])
    ]
    assert [m["text"] for m in asked["messages"]] == [
        "Asics is nearly sold out. What is your shoe size? We will check the stock."
    ]
    assert [m["text"] for m in forty["messages"]] == [
        "Please enter your size as a number, like 42."
    ]
    assert [m["text"] for m in saved["messages"]] == [
        "Thanks! We set aside Asics shoes in size 44 for you."
    ]
    assert values(await contact_of(gql, saved["contactId"])) == {"brand": "Asics", "shoe_size": 44}
    assert [m["text"] for m in in_stock["messages"]] == [
        "Great choice! Our Nike shoes are in stock: have a look around the shop."
    ]


async def test_lead_score_decision_runs_once_per_visitor(gql, visitor):
    await publish_flow(gql, "Lead score", fixture("lead_score"))

    first = await visitor.visit("https://shop.example/pricing")
    clicked = await visitor.answer(choice=0)
    again = await visitor.visit("https://shop.example/pricing")

    assert first["messages"][0]["options"] == ["Yes, a team", "Just me"]
    assert clicked["messages"] == []
    assert again["startedRuns"] == 0
    assert values(await contact_of(gql, first["contactId"])) == {"lead_score": 5}


async def test_a_condition_on_the_lead_score_sends_a_message(gql, visitor, shop):
    await publish_flow(gql, "Hot lead", fixture("hot_lead"))

    texts = [[m["text"] for m in (await visitor.visit("/pricing"))["messages"]] for _ in range(3)]

    assert texts == [[], [], ["Score 12: talk to sales?"]]


async def test_the_same_event_id_counts_once(gql, visitor):
    await publish_flow(gql, "Page views", fixture("page_views"))

    first = await visitor.visit("/pricing", event_id="evt-1")
    again = await visitor.visit("/pricing", event_id="evt-1")
    other = await visitor.visit("/pricing", event_id="evt-2")
    conflict = await visitor.error(TRACK, url="/pricing/other", eventId="evt-1")

    assert (first["duplicate"], again["duplicate"], other["duplicate"]) == (False, True, False)
    assert again["contactId"] == first["contactId"]
    assert again["startedRuns"] == first["startedRuns"] == 1
    assert code_of(conflict) == "CONFLICT"
    assert values(await contact_of(gql, first["contactId"])) == {"page_views": 2}


async def test_event_ids_are_kept_a_day_then_forgotten(gql, visitor):
    await publish_flow(gql, "Page views", fixture("page_views"))
    await visitor.visit("/pricing", event_id="day-old")
    await visitor.visit("/pricing", event_id="week-old")
    await VisitorEvent.filter(event_id="day-old").update(created_at=now() - timedelta(hours=25))
    await VisitorEvent.filter(event_id="week-old").update(created_at=now() - timedelta(days=7))

    forgotten = await visitors_service.forget_old_events()

    assert forgotten == 1
    assert (await visitor.visit("/pricing", event_id="day-old"))["duplicate"] is True
    assert (await visitor.visit("/pricing", event_id="week-old"))["duplicate"] is False


async def test_a_duplicate_event_returns_the_first_messages(gql, visitor):
    await publish_flow(gql, "Shoe size", fixture("shoe_size"))

    first = await visitor.visit("/shoes", event_id="e")
    again = await visitor.visit("/shoes", event_id="e")

    assert again["messages"] == first["messages"]


async def test_without_an_event_id_every_call_counts(gql, visitor):
    await publish_flow(gql, "Page views", fixture("page_views"))

    first = await visitor.visit("/pricing")
    await visitor.visit("/pricing")

    assert values(await contact_of(gql, first["contactId"])) == {"page_views": 2}


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"key": "pk_unknown"}, "UNAUTHENTICATED"),
        ({"url": "/" + "x" * 2048}, "VALIDATION_FAILED"),
        ({"eventId": "e" * 129}, "VALIDATION_FAILED"),
        ({"visitor": ""}, "VALIDATION_FAILED"),
        ({"visitor": "v" * 129}, "VALIDATION_FAILED"),
    ],
)
async def test_track_page_view_refuses_bad_input(visitor, variables, code):
    error = await visitor.error(TRACK, **{"url": "/pricing", "eventId": None, **variables})

    assert code_of(error) == code


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"key": "pk_unknown", "text": "x"}, "UNAUTHENTICATED"),
        ({"text": "x" * 10_001}, "VALIDATION_FAILED"),
        ({"text": "a", "choice": 1}, "VALIDATION_FAILED"),
        ({}, "VALIDATION_FAILED"),
        ({"text": "hello"}, "VALIDATION_FAILED"),
    ],
)
async def test_visitor_reply_refuses_bad_input(visitor, variables, code):
    error = await visitor.error(REPLY, **variables)

    assert code_of(error) == code


async def test_a_visitor_reaches_only_its_own_conversation(gql, visitor, shop):
    await publish_flow(gql, "Shoe size", fixture("shoe_size"))
    await visitor.visit("/shoes")
    stranger = Visitor(gql, shop)

    error = await stranger.error(REPLY, text="42")

    assert code_of(error) == "VALIDATION_FAILED"
    operator_query = await stranger.client.error("{ contacts { totalCount } }")
    assert code_of(operator_query) == "UNAUTHENTICATED"


async def test_another_workspaces_key_does_not_start_its_flows(gql, other_gql, visitor):
    await publish_flow(gql, "Page views", fixture("page_views"))
    foreign = Visitor(other_gql, await workspace_key(other_gql), visitor.id)

    result = await foreign.visit("/pricing")

    assert result["startedRuns"] == 0


async def test_a_disabled_flow_starts_nothing_and_ends_waiting_runs(gql, visitor):
    flow_id = await publish_flow(gql, "Shoe size", fixture("shoe_size"))
    await visitor.visit("/shoes")

    await gql("mutation($id: ID!) { setFlowEnabled(id: $id, enabled: false) { id } }", id=flow_id)
    late = await visitor.error(REPLY, text="42")
    new_visitor = await Visitor(gql, visitor.key).visit("/shoes")

    assert code_of(late) == "VALIDATION_FAILED"
    assert new_visitor["startedRuns"] == 0


async def test_a_waiting_run_finishes_on_the_version_it_started(gql, visitor):
    flow_id = await publish_flow(gql, "Shoe size", fixture("shoe_size"))
    await visitor.visit("/shoes")
    changed = fixture("shoe_size")
    changed["nodes"][2]["config"]["text"] = "Version two says {shoe_size}"
    await gql(
        "mutation($id: ID!, $graph: JSON!) { saveFlowDraft(id: $id, graph: $graph) { id } }",
        id=flow_id,
        graph=changed,
    )
    await gql("mutation($id: ID!) { publishFlow(id: $id) { id } }", id=flow_id)

    old = await visitor.answer(text="40")
    new = await Visitor(gql, visitor.key).visit("/shoes")
    runs = await gql(
        "query($id: ID!) { flowRuns(flowId: $id) { version status currentNodeId } }", id=flow_id
    )

    assert [m["text"] for m in old["messages"]] == ["Thanks! We will show you shoes in size 40."]
    assert new["startedRuns"] == 1
    assert runs["flowRuns"] == [
        {"version": 2, "status": "waiting", "currentNodeId": "ask"},
        {"version": 1, "status": "completed", "currentNodeId": "done"},
    ]


async def test_flow_stats_count_runs_per_node(gql, visitor, shop):
    flow_id = await publish_flow(gql, "Lead score", fixture("lead_score"))
    await visitor.visit("/pricing")
    await visitor.answer(choice=1)
    second = Visitor(gql, shop)
    await second.visit("/pricing")

    stats = await gql("query($id: ID!) { flow(id: $id) { stats { nodeId entered } } }", id=flow_id)

    entered = {s["nodeId"]: s["entered"] for s in stats["flow"]["stats"]}
    assert entered == {"visit": 2, "ask": 2, "solo": 1, "done": 1}


async def test_flow_runs_show_contact_and_flow(gql, visitor):
    flow_id = await publish_flow(gql, "Page views", fixture("page_views"))
    result = await visitor.visit("/pricing")

    runs = await gql(
        "query($id: ID!) { flowRuns(flowId: $id, first: 5) "
        "{ id status version startedAt finishedAt flow { name } contact { id visitorId } } }",
        id=flow_id,
    )

    (run,) = runs["flowRuns"]
    assert run["status"] == "completed"
    assert run["flow"] == {"name": "Page views"}
    assert run["contact"] == {"id": result["contactId"], "visitorId": visitor.id}
    assert run["finishedAt"] is not None


async def test_simulate_flow_previews_without_writing(gql, visitor):
    await publish_flow(gql, "Page views", fixture("page_views"))
    contact_id = (await visitor.visit("/pricing"))["contactId"]

    simulated = await gql(
        """query($graph: JSON!, $events: JSON!, $contactId: ID) {
          simulateFlow(graph: $graph, events: $events, contactId: $contactId) {
            messages { text options expectsAnswer } effects path waitingAt
          }
        }""",
        graph=fixture("shoe_size"),
        events=[{"pageView": "/shoes"}, {"text": "big"}, {"text": "44"}],
        contactId=contact_id,
    )

    result = simulated["simulateFlow"]
    assert [m["text"] for m in result["messages"]] == [
        "What is your shoe size?",
        "Please enter your size as a number, like 42.",
        "Thanks! We will show you shoes in size 44.",
    ]
    assert result["effects"] == [{"kind": "set", "key": "shoe_size", "value": 44, "nodeId": "ask"}]
    assert result["path"] == ["visit", "ask", "thanks", "done"]
    assert result["waitingAt"] is None
    assert values(await contact_of(gql, contact_id)) == {"page_views": 1}


async def test_simulate_flow_refuses_bad_events(gql):
    error = await gql.error(
        "query { simulateFlow(graph: {nodes: [], edges: []}, events: [{jump: 1}]) { path } }"
    )

    assert code_of(error) == "VALIDATION_FAILED"
    assert "jump" in error["message"]
