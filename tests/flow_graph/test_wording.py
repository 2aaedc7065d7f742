from flow_graph import parse_document
from flow_graph.nodes import node_type
from flow_graph.wording import node_title, port_caption, shorten
from tests.flow_graph.builders import node, raw_doc


def _node(type: str, **config: object):
    (parsed,) = parse_document(raw_doc(node("n", type, **config))).nodes
    return parsed


def test_node_title_is_the_quoted_text_else_the_type_label():
    assert node_title(_node("decision", text="  Which brand? "), node_type("decision")) == (
        "'Which brand?'"
    )
    assert node_title(_node("end"), node_type("end")) == "End"
    assert node_title(_node("send_message", text=" "), node_type("send_message")) == (
        "Send a message"
    )


def test_node_title_of_an_unknown_type_names_the_type():
    assert node_title(_node("teleport"), None) == "The node of unknown type 'teleport'"


def test_port_caption_names_a_button_by_its_text():
    decision = node_type("decision")
    assert port_caption(decision, {"options": ["Nike", "Asics"]}, "1") == "button 'Asics'"
    assert port_caption(decision, {"options": ["Nike"]}, "7") == "the '7' exit"
    assert port_caption(decision, {"options": ["Nike"]}, "x") == "the 'x' exit"
    assert port_caption(node_type("ask_question"), {}, "failed") == "the 'failed' exit"


def test_shorten_keeps_one_short_line():
    assert shorten("a\n b") == "a b"
    assert shorten("x" * 60) == "x" * 47 + "…"
