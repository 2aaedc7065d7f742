from flow_graph import REGISTRY, describe_node_types, node_type

CATEGORIES = {"trigger", "message", "question", "property", "logic"}


def test_registry_has_every_node_type_of_the_design():
    assert set(REGISTRY) == {
        "page_visit", "send_message", "decision", "ask_question",
        "update_property", "increment_property", "condition", "hand_off", "end",
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
