import datetime

import pytest

from flow_graph import PropertyInfo, PropertyType
from flow_graph.effects import (
    Actor,
    CallWebhook,
    End,
    HandOff,
    Increment,
    SendMessage,
    SetValue,
    Wait,
)
from flow_graph.engine import (
    MAX_STEPS,
    RunState,
    Trigger,
    Visit,
    changed_triggers,
    compile_document,
    matching_triggers,
    resume_run,
    said_triggers,
    start_run,
    stay_triggers,
    url_matches,
    visit_triggers,
    wake_run,
    watched_keys,
)
from flow_graph.nodes.base import Reply
from tests.flow_graph.builders import PROPERTIES, doc, edge, node


def program(*items):
    return compile_document(doc(*items))


def start(prog, values=None, trigger="t"):
    return start_run(prog, trigger_id=trigger, values=values or {}, properties=PROPERTIES)


def reply(prog, state, values=None, **answer):
    return resume_run(
        prog, state=state, values=values or {}, properties=PROPERTIES, reply=Reply(**answer)
    )


def texts(step):
    return [effect.text for effect in step.effects if isinstance(effect, SendMessage)]


@pytest.mark.parametrize(
    ("match", "pattern", "url", "expected"),
    [
        ("exact", "/pricing", "https://shop.example.com/pricing", True),
        ("exact", "/pricing", "https://shop.example.com/pricing/?ref=ad#top", True),
        ("exact", "/pricing", "https://shop.example.com/pricing/team", False),
        ("exact", "/pricing?plan=pro", "https://shop.example.com/pricing?plan=pro", True),
        ("exact", "shop.example.com/pricing", "https://Shop.Example.com/Pricing", True),
        ("contains", "pric", "https://shop.example.com/pricing", True),
        ("contains", "ref=ad", "https://shop.example.com/pricing?ref=ad", True),
        ("contains", "/shoes", "https://shop.example.com/pricing", False),
        ("prefix", "/shoes", "https://shop.example.com/shoes/red-runner", True),
        ("prefix", "/shoes", "https://shop.example.com/about/shoes", False),
        ("prefix", "https://shop.example.com/shoes", "http://shop.example.com/shoes/x", True),
        ("glob", "/shoes/*/reviews", "https://shop.example.com/shoes/red/reviews", True),
        ("glob", "/shoes/*", "https://shop.example.com/shoes/red/big", True),
        ("glob", "/shoe?", "https://shop.example.com/shoes", True),
        ("glob", "/shoes/*", "https://shop.example.com/boots/red", False),
        ("exact", "/", "https://shop.example.com", True),
        ("exact", "/pricing", "/pricing", True),
        ("exact", "shop.example.com/pricing", "shop.example.com/pricing", True),
        ("contains", "", "[", False),
        ("glob", "*", "https://[::1/pricing", False),
        ("prefix", "/", "shop[.example/pricing", False),
    ],
)
def test_url_matches_each_mode(match, pattern, url, expected):
    assert url_matches(match, pattern, url) is expected


def test_matching_triggers_reports_the_limit():
    prog = program(
        node("a", "page_visit", url="/pricing", limit="every_visit"),
        node("b", "page_visit", url="/pricing", limit="once_per_visitor", match="exact"),
        node("c", "page_visit", url="/shoes"),
    )

    triggers = matching_triggers(prog, "https://x.example/pricing")

    assert [(t.node_id, t.once_per_visitor) for t in triggers] == [("a", False), ("b", True)]


def test_increment_and_update_effects_then_end():
    prog = program(
        node("t", "page_visit"),
        node("inc", "increment_property", key="page_views", by=2),
        node(
            "set",
            "update_property",
            updates=[{"key": "plan", "value": "pro"}, {"key": "vip", "value": None}],
        ),
        node("end", "end"),
        edge("t", "next", "inc"),
        edge("inc", "next", "set"),
        edge("set", "next", "end"),
    )

    step = start(prog)

    assert step.effects == (
        Increment("inc", "page_views", 2),
        SetValue("set", "plan", "Pro"),
        SetValue("set", "vip", None),
        End(),
    )
    assert step.state == RunState("completed")
    assert step.path == ("t", "inc", "set", "end")


def test_send_message_renders_values_as_they_are_at_that_step():
    prog = program(
        node("t", "page_visit"),
        node("inc", "increment_property", key="page_views"),
        node("m", "send_message", text="Visit {page_views}, {name|friend}! {shoe_size}."),
        edge("t", "next", "inc"),
        edge("inc", "next", "m"),
    )

    step = start(prog, {"page_views": 2.0})

    assert texts(step) == ["Visit 3, friend! ."]
    assert step.state.status == "completed"


def test_hand_off_sends_its_message_then_ends_the_run_handed_to_an_operator():
    prog = program(
        node("t", "page_visit"),
        node("h", "hand_off", text="One moment, {name|friend}: a person will answer."),
        edge("t", "next", "h"),
    )

    step = start(prog)

    assert step.effects == (
        SendMessage("h", "One moment, friend: a person will answer."),
        HandOff("h"),
        End(),
    )
    assert step.state == RunState("completed")


def test_hand_off_without_a_message_only_hands_off():
    step = start(program(node("t", "page_visit"), node("h", "hand_off"), edge("t", "next", "h")))

    assert step.effects == (HandOff("h"), End())


def test_a_dead_end_completes_the_run():
    step = start(program(node("t", "page_visit")))

    assert step.effects == (End(),)


def test_decision_waits_and_continues_on_the_chosen_port():
    prog = program(
        node("t", "page_visit"),
        node("q", "decision", text="Team, {name}?", options=["Yes", "No"]),
        node("yes", "increment_property", key="page_views", by=5),
        node("no", "increment_property", key="page_views", by=1),
        edge("t", "next", "q"),
        edge("q", "0", "yes"),
        edge("q", "1", "no"),
    )

    first = start(prog, {"name": "Ann"})
    by_click = reply(prog, first.state, choice=1)
    by_text = reply(prog, first.state, text=" yes ")

    assert first.effects == (SendMessage("q", "Team, Ann?", ("Yes", "No"), True), Wait("q"))
    assert first.state == RunState("waiting", "q")
    assert by_click.effects[0] == Increment("no", "page_views", 1)
    assert by_text.effects[0] == Increment("yes", "page_views", 5)
    assert by_click.path == ("no",)


@pytest.mark.parametrize("answer", [{"choice": 2}, {"choice": -1}, {"text": "maybe"}])
def test_decision_asks_again_after_a_bad_reply(answer):
    prog = program(node("t", "page_visit"), node("q", "decision"), edge("t", "next", "q"))
    waiting = start(prog).state

    again = reply(prog, waiting, **answer)

    assert texts(again) == ["Pick one"]
    assert again.state.status == "waiting"


def shoe_question(**config):
    return program(
        node("t", "page_visit"),
        node("q", "ask_question", text="Size?", saveTo="shoe_size", **config),
        node("thanks", "send_message", text="Size {shoe_size} it is"),
        node("sorry", "send_message", text="Never mind"),
        edge("t", "next", "q"),
        edge("q", "next", "thanks"),
        edge("q", "failed", "sorry"),
    )


def test_ask_question_saves_a_valid_answer_as_the_visitor():
    prog = shoe_question()
    waiting = start(prog).state

    step = reply(prog, waiting, text=" 42 ")

    assert step.effects[0] == SetValue("q", "shoe_size", 42, Actor.VISITOR)
    assert texts(step) == ["Size 42 it is"]


def test_ask_question_retries_with_a_default_text_naming_the_type():
    prog = shoe_question()
    state = start(prog).state

    first = reply(prog, state, text="big")
    second = reply(prog, first.state, text="abc")
    third = reply(prog, second.state, text="42")

    assert texts(first) == ["Please enter a number."]
    assert first.state == RunState("waiting", "q", 1)
    assert second.state == RunState("waiting", "q", 2)
    assert third.effects[0] == SetValue("q", "shoe_size", 42, Actor.VISITOR)


def test_ask_question_uses_the_retry_text():
    prog = shoe_question(retryText="Numbers only, {name|friend}")

    step = reply(prog, start(prog).state, text="big")

    assert texts(step) == ["Numbers only, friend"]


def test_ask_question_takes_the_failed_port_after_max_retries():
    prog = shoe_question(maxRetries=2)
    state = start(prog).state

    first = reply(prog, state, text="big")
    second = reply(prog, first.state, text="huge")

    assert second.state.status == "completed"
    assert texts(second) == ["Never mind"]


def test_ask_question_ends_failed_without_a_failed_port():
    prog = program(
        node("t", "page_visit"),
        node("q", "ask_question", saveTo="shoe_size", maxRetries=1),
        edge("t", "next", "q"),
    )

    step = reply(prog, start(prog).state, text="big")

    assert step.state.status == "failed"
    assert step.effects[-1].failed


def test_ask_question_without_save_to_accepts_any_text():
    prog = program(
        node("t", "page_visit"),
        node("q", "ask_question"),
        node("m", "send_message"),
        edge("t", "next", "q"),
        edge("q", "next", "m"),
    )
    state = start(prog).state

    empty = reply(prog, state, text="  ")
    answered = reply(prog, state, text="anything")

    assert texts(empty) == ["Please type an answer."]
    assert texts(answered) == ["Hello"]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("plan", "Please answer one of: Free, Pro."),
        ("vip", "Please answer yes or no."),
        ("email", "Please enter a valid email address."),
        ("birthday", "Please enter a date like 2024-05-31."),
    ],
)
def test_ask_question_default_retry_texts(key, expected):
    prog = program(
        node("t", "page_visit"), node("q", "ask_question", saveTo=key), edge("t", "next", "q")
    )

    assert texts(reply(prog, start(prog).state, text="???")) == [expected]


def test_a_choice_does_not_answer_a_question():
    prog = shoe_question()

    assert reply(prog, start(prog).state, choice=0).state.status == "waiting"


@pytest.mark.parametrize(
    ("config", "values", "port"),
    [
        ({"key": "page_views", "op": "GT", "value": 10}, {"page_views": 11}, "true"),
        ({"key": "page_views", "op": "GT", "value": "10"}, {"page_views": 9}, "false"),
        ({"key": "page_views", "op": "IS_NOT_SET"}, {}, "true"),
        ({"key": "plan", "op": "IN", "value": ["pro"]}, {"plan": "Pro"}, "true"),
        ({"key": "name", "op": "CONTAINS", "value": "NN"}, {"name": "Ann"}, "true"),
        (
            {"key": "birthday", "op": "LT", "value": "2000-01-01"},
            {"birthday": "1990-05-01"},
            "true",
        ),
    ],
)
def test_condition_compares_like_the_contacts_filter(config, values, port):
    prog = program(
        node("t", "page_visit"),
        node("c", "condition", **config),
        node("yes", "send_message", text="yes"),
        node("no", "send_message", text="no"),
        edge("t", "next", "c"),
        edge("c", "true", "yes"),
        edge("c", "false", "no"),
    )

    assert texts(start(prog, values)) == ["yes" if port == "true" else "no"]


def test_a_loop_without_waiting_stops_after_max_steps():
    prog = program(
        node("t", "page_visit"),
        node("a", "increment_property"),
        node("b", "increment_property"),
        edge("t", "next", "a"),
        edge("a", "next", "b"),
        edge("b", "next", "a"),
    )

    step = start(prog)

    assert len(step.path) == MAX_STEPS
    assert step.state.status == "failed"
    assert "1000 steps" in step.effects[-1].reason


@pytest.mark.parametrize(
    "broken",
    [
        node("n", "increment_property", key="gone"),
        node("n", "increment_property", key="name"),
        node("n", "update_property", updates=[{"key": "gone", "value": 1}]),
        node("n", "update_property", updates=[{"key": "page_views", "value": "many"}]),
        node("n", "condition", key="gone", op="IS_SET"),
        node("n", "condition", key="page_views", op="GT", value="many"),
        node("n", "teleport"),
    ],
)
def test_a_node_that_cannot_run_ends_the_run_failed(broken):
    prog = program(node("t", "page_visit"), broken, edge("t", "next", "n"))

    step = start(prog)

    assert step.state.status == "failed"
    assert step.effects[-1].reason


def test_an_answer_for_a_deleted_property_fails_the_run():
    prog = shoe_question()
    state = start(prog).state
    properties = {**PROPERTIES}
    del properties["shoe_size"]

    step = resume_run(prog, state=state, values={}, properties=properties, reply=Reply(text="4"))

    assert step.state.status == "failed"


def test_resume_refuses_a_run_that_is_not_waiting():
    prog = shoe_question()

    for state in [
        RunState("completed"),
        RunState("waiting", "thanks"),
        RunState("waiting", "gone"),
    ]:
        assert reply(prog, state, text="4").state.status == "failed"


def test_properties_given_to_the_engine_are_only_read():
    properties = {"n": PropertyInfo("n", PropertyType.NUMBER)}
    prog = program(
        node("t", "page_visit"), node("i", "increment_property", key="n"), edge("t", "next", "i")
    )
    values = {"n": 1}

    start_run(prog, trigger_id="t", values=values, properties=properties)

    assert values == {"n": 1}


def test_compile_leaves_out_nodes_that_cannot_run():
    prog = program(node("t", "page_visit"), node("bad", "send_message", text=""))

    assert set(prog.nodes) == {"t"}


def test_only_waiting_nodes_take_answers():
    from flow_graph import REGISTRY
    from flow_graph.nodes.base import RunContext

    with pytest.raises(NotImplementedError):
        REGISTRY["end"].answer({}, RunContext("e", {}, {}), Reply(text="x"), 0)


NOW = datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.UTC)
WAIT_THEN_MESSAGE = (
    node("t", "page_visit"),
    node("w", "wait"),
    node("m", "send_message", text="Still there?"),
    edge("t", "next", "w"),
    edge("w", "next", "m"),
)


def test_wait_holds_the_run_until_its_duration_has_passed():
    step = start_run(
        program(*WAIT_THEN_MESSAGE), trigger_id="t", values={}, properties=PROPERTIES, now=NOW
    )

    resume_at = NOW + datetime.timedelta(hours=2)
    assert step.state == RunState("waiting", "w", resume_at=resume_at)
    assert step.effects == (Wait("w", resume_at),)


@pytest.mark.parametrize(
    ("birthday", "offset", "unit", "expected"),
    [
        ("2026-12-24", -1, "days", datetime.datetime(2026, 12, 23, tzinfo=datetime.UTC)),
        ("2026-12-24", 9, "hours", datetime.datetime(2026, 12, 24, 9, tzinfo=datetime.UTC)),
        ("2026-12-24", 0, "minutes", datetime.datetime(2026, 12, 24, tzinfo=datetime.UTC)),
    ],
)
def test_wait_until_a_date_property_plus_an_offset(birthday, offset, unit, expected):
    wait = node("w", "wait", mode="until_date", key="birthday", offset=offset, offsetUnit=unit)
    prog = program(node("t", "page_visit"), wait, edge("t", "next", "w"))

    step = start_run(
        prog, trigger_id="t", values={"birthday": birthday}, properties=PROPERTIES, now=NOW
    )

    assert step.state.resume_at == expected


@pytest.mark.parametrize("birthday", [None, "2026-11-20", "not a date", "9999-12-31", "0001-01-01"])
def test_wait_goes_on_at_once_when_the_date_is_unset_past_or_out_of_range(birthday):
    offset = -5 if birthday == "0001-01-01" else 5
    wait = node("w", "wait", mode="until_date", key="birthday", offset=offset, offsetUnit="days")
    prog = program(
        node("t", "page_visit"),
        wait,
        node("m", "send_message", text="Now"),
        edge("t", "next", "w"),
        edge("w", "next", "m"),
    )

    step = start_run(
        prog, trigger_id="t", values={"birthday": birthday}, properties=PROPERTIES, now=NOW
    )

    assert texts(step) == ["Now"] and step.state.status == "completed"


def test_wait_without_a_clock_fails_the_run():
    step = start(program(*WAIT_THEN_MESSAGE))

    assert step.state.status == "failed"
    assert "no clock" in step.effects[-1].reason


def test_wake_run_goes_on_from_the_wait_on_its_version():
    prog = program(*WAIT_THEN_MESSAGE)
    waiting = start_run(prog, trigger_id="t", values={}, properties=PROPERTIES, now=NOW).state

    step = wake_run(prog, state=waiting, values={}, properties=PROPERTIES, now=NOW)

    assert texts(step) == ["Still there?"] and step.path == ("m",)
    assert step.state.status == "completed"


@pytest.mark.parametrize(
    "state",
    [RunState("completed"), RunState("waiting", "m"), RunState("waiting", "gone")],
)
def test_wake_run_refuses_a_run_not_waiting_on_a_timer(state):
    step = wake_run(
        program(*WAIT_THEN_MESSAGE), state=state, values={}, properties=PROPERTIES, now=NOW
    )

    assert step.state.status == "failed"
    assert step.effects[-1].reason == "the run is not waiting on a timer"


def test_a_reply_does_not_resume_a_run_waiting_on_a_timer():
    prog = program(*WAIT_THEN_MESSAGE)
    waiting = start_run(prog, trigger_id="t", values={}, properties=PROPERTIES, now=NOW).state

    step = reply(prog, waiting, text="hello")

    assert step.effects[-1].reason == "the run is not waiting for an answer"


SCORED = (
    node("any", "property_changed", key="page_views", op=None, value=None),
    node("fifty", "property_changed", key="page_views", op="GTE", value=50),
    node("once", "property_changed", key="plan", op="EQ", value="Pro", limit="once_per_contact"),
    node("gone", "property_changed", key="deleted_key"),
    node("visit", "page_visit", url="/pricing"),
)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"page_views": (10, 49)}, [("any", False)]),
        ({"page_views": (49, 50)}, [("any", False), ("fifty", False)]),
        ({"page_views": (50, 60)}, [("any", False)]),
        ({"page_views": (None, 70)}, [("any", False), ("fifty", False)]),
        ({"plan": ("Free", "Pro")}, [("once", True)]),
        ({"plan": ("Pro", "Free")}, []),
        ({"deleted_key": (1, 2)}, []),
        ({"name": ("A", "B")}, []),
    ],
)
def test_changed_triggers_fire_on_a_change_or_when_their_condition_becomes_true(changes, expected):
    prog = program(*SCORED)

    triggers = changed_triggers(prog, changes, PROPERTIES)

    assert [(t.node_id, t.once_per_visitor) for t in triggers] == expected
    assert watched_keys(prog) == {"page_views", "plan", "deleted_key"}


def test_a_condition_whose_value_no_longer_fits_never_fires():
    prog = program(node("t", "property_changed", key="plan", op="EQ", value="Enterprise"))

    assert changed_triggers(prog, {"plan": ("Free", "Pro")}, PROPERTIES) == []


def test_page_visits_start_only_page_visit_triggers():
    prog = program(*SCORED)

    assert [t.node_id for t in matching_triggers(prog, "/pricing")] == ["visit"]


def test_call_webhook_waits_for_its_delivery_then_goes_on_at_ok_or_failed():
    prog = program(
        node("t", "page_visit"),
        node("h", "call_webhook", keys=["email", "page_views"]),
        node("ok", "send_message", text="Sent"),
        node("no", "send_message", text="Not sent"),
        edge("t", "next", "h"),
        edge("h", "ok", "ok"),
        edge("h", "failed", "no"),
    )

    step = start_run(prog, trigger_id="t", values={}, properties=PROPERTIES, now=NOW)

    call = CallWebhook("h", "https://hooks.example.com/lead", ("email", "page_views"))
    assert step.effects == (call, Wait("h", NOW))
    for port, text in (("ok", "Sent"), ("failed", "Not sent")):
        woken = wake_run(
            prog, state=step.state, values={}, properties=PROPERTIES, now=NOW, port=port
        )
        assert texts(woken) == [text]


VISITS = (
    node("page", "page_visit", url="/pricing"),
    node("first", "first_visit"),
    node("back", "returning_visitor", minutes=30),
    node("stay", "visitor_stays", match="prefix", url="/pricing", seconds=20),
)


@pytest.mark.parametrize(
    ("visit", "expected"),
    [
        (Visit("/pricing"), ["page", "first"]),
        (Visit("/about"), ["first"]),
        (Visit("/about", minutes_away=29.9), []),
        (Visit("/about", minutes_away=30), ["back"]),
    ],
)
def test_visit_triggers_on_first_and_returning_visits(visit, expected):
    assert [t.node_id for t in visit_triggers(program(*VISITS), visit)] == expected


def test_stay_triggers_name_their_seconds():
    prog = program(*VISITS)

    assert stay_triggers(prog, "/pricing/team") == [(Trigger("stay", True), 20)]
    assert stay_triggers(prog, "/about") == []


SAYS = (
    node("price", "visitor_says", mode="keywords", keywords=["price", "how much"]),
    node("refund", "visitor_says", mode="pattern", pattern="*refund*order ??"),
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What's the PRICE?", ["price"]),
        ("How   much is it", ["price"]),
        ("priceless", []),
        ("I want a Refund for order 42", ["refund"]),
        ("refund order 420", []),
        ("x" * 5000 + " price", []),
    ],
)
def test_said_triggers_match_keywords_as_words_and_patterns_ignoring_case(text, expected):
    assert [t.node_id for t in said_triggers(program(*SAYS), text)] == expected
