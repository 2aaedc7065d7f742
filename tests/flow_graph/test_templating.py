from flow_graph import placeholders, render_text

VALUES = {"name": "Ann", "size": 42.0, "score": 7.5, "vip": True}


def test_render_text_fills_placeholders():
    assert (
        render_text("Hi {name}, size {size}, score {score}", VALUES) == "Hi Ann, size 42, score 7.5"
    )


def test_render_text_uses_fallbacks_for_unset_values():
    assert render_text("Hi {nick|there}! {plan}.", VALUES) == "Hi there! ."
    assert render_text("Hi {nick}", VALUES, default_fallback="friend") == "Hi friend"


def test_render_text_formats_booleans_and_leaves_other_braces():
    assert render_text("VIP: {vip} {Not A Key} {}", VALUES) == "VIP: true {Not A Key} {}"


def test_placeholders_lists_keys_in_order():
    assert placeholders("{b} and {a|x} and {b}") == ["b", "a", "b"]
