import pytest

from flow_graph import REGISTRY, PropertyType, describe_node_types, node_type

CATEGORIES = {"trigger", "message", "question", "property", "logic", "action"}


def test_registry_has_every_node_type_of_the_design():
    assert set(REGISTRY) == {
        "page_visit", "first_visit", "returning_visitor", "visitor_stays", "visitor_says",
        "property_changed", "send_message", "decision", "ask_question", "update_property",
        "increment_property", "condition", "hand_off", "wait", "call_webhook", "end",
    }  # fmt: skip
    assert node_type("teleport") is None


def test_describe_node_types_is_json_data_for_the_editor():
    described = {item["type"]: item for item in describe_node_types()}

    assert all(item["category"] in CATEGORIES for item in described.values())
    assert described["page_visit"]["isTrigger"] is True
    assert described["page_visit"]["ports"]["input"] is False
    assert described["decision"]["waits"] is True
    assert described["decision"]["ports"]["rule"] == "one per option"
    assert described["ask_question"]["ports"]["optional"] == ["failed"]
    assert described["condition"]["ports"]["fixed"] == ["true", "false"]
    assert described["end"]["ports"]["fixed"] == []
    assert described["hand_off"]["label"] == "Hand off to an operator"
    assert described["hand_off"]["ports"] == {
        "rule": "fixed", "fixed": [], "optional": [], "input": True,
    }  # fmt: skip
    increment = {f["name"]: f for f in described["increment_property"]["configSchema"]["fields"]}
    assert increment["key"]["propertyTypes"] == ["NUMBER"]
    assert increment["by"]["default"] == 1
    match = described["page_visit"]["configSchema"]["fields"][0]
    assert match["choices"] == ["exact", "contains", "prefix", "glob"]


def test_hand_off_message_is_optional_but_must_be_text():
    hand_off = REGISTRY["hand_off"]

    assert hand_off.parse_config({}) == ({"text": None}, [])
    assert hand_off.parse_config({"text": 3})[1] == ["'text' must be a text"]
    assert hand_off.texts({"text": "Hi {name}"}) == ["Hi {name}"]
    assert hand_off.texts({"text": None}) == []


def test_decision_ports_follow_its_options():
    decision = REGISTRY["decision"]
    config, problems = decision.parse_config({"text": "?", "options": ["A", "B", "C"]})

    assert problems == []
    assert decision.output_ports(config) == ["0", "1", "2"]


def test_parse_config_applies_defaults():
    config, problems = REGISTRY["ask_question"].parse_config({"text": "Size?"})

    assert problems == []
    assert config["maxRetries"] == 3
    assert config["saveTo"] is None


def test_parse_config_reports_a_missing_required_field():
    _, problems = REGISTRY["page_visit"].parse_config({"match": "exact"})

    assert problems == ["'url' is required"]


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"mode": "duration", "amount": 0, "unit": "hours"}, "'amount' must be 1 or more"),
        ({"amount": 3651, "unit": "days"}, "'amount' must be at most 10 years"),
        ({"mode": "until_date"}, "'key' is required to wait until a date"),
        (
            {"mode": "until_date", "key": "birthday", "offset": 1.5},
            "'offset' must be a whole number",
        ),
        (
            {"mode": "until_date", "key": "birthday", "offset": -3651},
            "'offset' must be at most 10 years",
        ),
    ],
)
def test_wait_refuses_a_config_it_cannot_time(config, problem):
    assert REGISTRY["wait"].parse_config(config)[1] == [problem]


def test_wait_reads_its_date_property_only_when_waiting_until_a_date():
    wait = REGISTRY["wait"]
    until, _ = wait.parse_config({"mode": "until_date", "key": "birthday", "offset": -1})
    duration, _ = wait.parse_config({"amount": 5, "unit": "minutes"})

    assert [(use.key, use.types) for use in wait.property_uses(until)] == [
        ("birthday", (PropertyType.DATE,))
    ]
    assert wait.property_uses(duration) == []
    assert wait.describe()["timer"] is True


def test_property_changed_checks_its_condition_like_the_condition_node():
    changed = REGISTRY["property_changed"]

    assert changed.parse_config({"key": "lead_score"})[1] == []
    assert changed.parse_config({"key": "lead_score", "op": "GTE"})[1] == [
        "'value' is required for GTE"
    ]
    config, _ = changed.parse_config({"key": "lead_score", "op": "GTE", "value": 50})
    assert config["limit"] == "every_time"
    (use,) = changed.property_uses(config)
    assert (use.key, use.values, use.writes) == ("lead_score", (50,), False)
    any_change, _ = changed.parse_config({"key": "plan"})
    assert [(u.key, u.types) for u in changed.property_uses(any_change)] == [("plan", ())]


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"url": "ftp://hooks.example.com"}, "'url' must be an https:// address"),
        ({"url": "https://"}, "'url' must be an https:// address"),
        ({"url": "https://[::1"}, "'url' must be an https:// address"),
        ({"url": "https://h.example/" + "a" * 2000}, "'url' must be at most 2000 characters"),
        (
            {"url": "https://h.example", "keys": ["k"] * 51},
            "'keys' must name at most 50 properties",
        ),
    ],
)
def test_call_webhook_refuses_a_url_it_cannot_call(config, problem):
    assert REGISTRY["call_webhook"].parse_config(config)[1] == [problem]


def test_call_webhook_reads_the_properties_it_sends():
    webhook = REGISTRY["call_webhook"]
    config, problems = webhook.parse_config({"url": "https://h.example", "keys": ["email"]})

    assert problems == []
    assert [use.key for use in webhook.property_uses(config)] == ["email"]
    assert webhook.output_ports(config) == ["ok", "failed"]


@pytest.mark.parametrize(
    ("type", "config", "problem"),
    [
        ("returning_visitor", {"minutes": 0}, "'minutes' must be between 1 and 525600"),
        ("visitor_stays", {"url": "/x", "seconds": 3601}, "'seconds' must be between 1 and 3600"),
    ],
)
def test_visit_triggers_refuse_times_out_of_range(type, config, problem):
    assert REGISTRY[type].parse_config(config)[1] == [problem]


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"mode": "keywords"}, "'keywords' must name at least one word"),
        ({"keywords": ["a"] * 51}, "'keywords' must be at most 50"),
        ({"mode": "pattern", "pattern": " "}, "'pattern' is required to match a pattern"),
        (
            {"mode": "pattern", "pattern": "*a" * 11},
            "'pattern' must be at most 200 characters and 10 stars",
        ),
    ],
)
def test_visitor_says_caps_its_keywords_and_pattern(config, problem):
    assert REGISTRY["visitor_says"].parse_config(config)[1] == [problem]
