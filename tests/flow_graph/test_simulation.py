import datetime

import pytest

from flow_graph.effects import Increment, SetValue
from flow_graph.engine import compile_document
from flow_graph.simulation import MAX_EVENTS, SimulatedTimer, check_events, simulate
from tests.flow_graph.builders import PROPERTIES, doc, edge, node

NOW = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)
SHOES = compile_document(
    doc(
        node("t", "page_visit", url="/shoes"),
        node("q", "ask_question", text="Size?", saveTo="shoe_size"),
        node("inc", "increment_property", key="page_views"),
        node("m", "send_message", text="Size {shoe_size}, visit {page_views}"),
        edge("t", "next", "q"),
        edge("q", "next", "inc"),
        edge("inc", "next", "m"),
    )
)


def test_simulate_runs_visits_and_answers_in_order():
    result = simulate(
        SHOES,
        [
            {"text": "too early"},
            {"pageView": "https://x.example/shoes/red"},
            {"text": "big"},
            {"text": "41"},
        ],
        values={"page_views": 4},
        properties=PROPERTIES,
        now=NOW,
    )

    assert [m.text for m in result.messages] == [
        "Size?",
        "Please enter a number.",
        "Size 41, visit 5",
    ]
    assert result.changes == [
        SetValue("q", "shoe_size", 41, result.changes[0].actor),
        Increment("inc", "page_views", 1),
    ]
    assert result.path == ["t", "q", "inc", "m"]
    assert result.waiting is None


def test_simulate_reports_where_it_waits():
    result = simulate(SHOES, [{"pageView": "/shoes"}], values={}, properties=PROPERTIES, now=NOW)

    assert result.waiting.node_id == "q"


def test_simulate_ignores_pages_no_trigger_matches():
    result = simulate(SHOES, [{"pageView": "/pricing"}], values={}, properties=PROPERTIES, now=NOW)

    assert result.messages == [] and result.path == []


@pytest.mark.parametrize(
    ("events", "problem"),
    [
        ({"pageView": "/"}, "must be a list"),
        ([{"pageView": "/"}] * 101, "must be a list"),
        (["x"], "event 1 must be one of"),
        ([{"property": 5}], 'property needs {"key", "value"}'),
        ([{"property": {"key": "shoe_size"}}], 'property needs {"key", "value"}'),
        ([{"property": {"key": "nope", "value": 1}}], "there is no property 'nope'"),
        ([{"property": {"key": 7, "value": 1}}], "there is no property '7'"),
        ([{"property": {"key": "shoe_size", "value": "big"}}], "Property 'shoe_size' (NUMBER)"),
        ([{"pageView": "/", "text": "x"}], "event 1 must be one of"),
        ([{"jump": 1}], "unknown event 'jump'"),
        ([{"choice": "1"}], "choice needs a number"),
        ([{"choice": True}], "choice needs a number"),
        ([{"pageView": 3}], "pageView needs a text"),
    ],
)
def test_check_events_names_the_problem(events, problem):
    assert problem in check_events(events, PROPERTIES)


def test_check_events_accepts_good_events():
    events = [
        {"pageView": "/"},
        {"text": "a"},
        {"choice": 0},
        {"property": {"key": "shoe_size", "value": "42"}},
    ]
    assert check_events(events, PROPERTIES) is None


def test_simulate_goes_through_a_wait_and_reports_when_it_would_end():
    prog = compile_document(
        doc(
            node("t", "page_visit", url="/shoes"),
            node("w", "wait", amount=1, unit="days"),
            node("m", "send_message", text="A day later"),
            edge("t", "next", "w"),
            edge("w", "next", "m"),
        )
    )

    result = simulate(prog, [{"pageView": "/shoes"}], values={}, properties=PROPERTIES, now=NOW)

    assert [m.text for m in result.messages] == ["A day later"]
    assert result.timers == [SimulatedTimer("w", NOW + datetime.timedelta(days=1))]
    assert result.path == ["t", "w", "m"] and result.waiting is None


def test_simulate_stops_a_loop_through_a_wait_after_max_events_timers():
    prog = compile_document(
        doc(
            node("t", "page_visit", url="/shoes"),
            node("w", "wait", amount=1, unit="minutes"),
            node("m", "send_message", text="Tick"),
            edge("t", "next", "w"),
            edge("w", "next", "m"),
            edge("m", "next", "w"),
        )
    )

    result = simulate(prog, [{"pageView": "/shoes"}], values={}, properties=PROPERTIES, now=NOW)

    assert len(result.timers) == MAX_EVENTS and len(result.messages) == MAX_EVENTS
    assert result.waiting.node_id == "w"


def test_simulate_takes_a_webhook_call_as_answered():
    prog = compile_document(
        doc(
            node("t", "page_visit", url="/shoes"),
            node("h", "call_webhook"),
            node("m", "send_message", text="Sent"),
            edge("t", "next", "h"),
            edge("h", "ok", "m"),
        )
    )

    result = simulate(prog, [{"pageView": "/shoes"}], values={}, properties=PROPERTIES, now=NOW)

    assert [m.text for m in result.messages] == ["Sent"]
    assert result.timers == [SimulatedTimer("h", NOW)]


def test_simulate_takes_the_first_page_view_as_a_first_visit_and_stays_on_each_page():
    prog = compile_document(
        doc(
            node("first", "first_visit"),
            node("hello", "send_message", text="Welcome"),
            node("stay", "visitor_stays", match="prefix", url="/pricing", seconds=30),
            node("help", "send_message", text="Need help?"),
            edge("first", "next", "hello"),
            edge("stay", "next", "help"),
        )
    )

    result = simulate(
        prog,
        [{"pageView": "/pricing"}, {"pageView": "/pricing"}],
        values={},
        properties=PROPERTIES,
        now=NOW,
    )

    assert [m.text for m in result.messages] == ["Welcome", "Need help?", "Need help?"]


def test_simulate_takes_a_text_with_nothing_waiting_as_what_the_visitor_says():
    prog = compile_document(
        doc(
            node("says", "visitor_says", mode="keywords", keywords=["price"]),
            node("m", "send_message", text="Plans start at 9 EUR"),
            edge("says", "next", "m"),
        )
    )

    result = simulate(
        prog, [{"text": "the price?"}, {"choice": 0}], values={}, properties=PROPERTIES, now=NOW
    )

    assert [m.text for m in result.messages] == ["Plans start at 9 EUR"]


def test_simulate_starts_property_changed_triggers_but_not_from_the_flows_own_writes():
    program = compile_document(
        doc(
            node("c", "property_changed", key="shoe_size", op="GTE", value=40),
            node("inc", "increment_property", key="shoe_size", by=10),
            node("m", "send_message", text="Big feet: {shoe_size}"),
            edge("c", "next", "inc"),
            edge("inc", "next", "m"),
        )
    )

    result = simulate(
        program,
        [
            {"property": {"key": "shoe_size", "value": "38"}},
            {"property": {"key": "page_views", "value": 3}},
            {"property": {"key": "shoe_size", "value": 41}},
        ],
        values={"shoe_size": 30},
        properties=PROPERTIES,
        now=NOW,
    )

    # 38 does not make "≥ 40" true; 41 does, and the flow's own +10 (to 51) starts nothing.
    assert [m.text for m in result.messages] == ["Big feet: 51"]
    assert result.path == ["c", "inc", "m"]
    assert result.changes == [Increment("inc", "shoe_size", 10)]
