"""Trigger: the visitor writes something in the widget that matches keywords or a pattern.

`keywords`: any one of them, as a word or phrase, anywhere in the text; `pattern`: a glob over
the whole text (`*` any run of characters, `?` one). Both ignore case. Any visitor can type
anything, so the work is capped: a pattern of at most MAX_PATTERN characters with at most
MAX_STARS stars (glob matching, unlike regular expressions, never backtracks exponentially), and
only the first MAX_TEXT characters of the text are looked at.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any

from flow_graph.nodes.base import ConfigField, NodeType

MODES = ("keywords", "pattern")
MAX_PATTERN = 200
MAX_STARS = 10
MAX_KEYWORDS = 50
MAX_TEXT = 2000


class VisitorSays(NodeType):
    type = "visitor_says"
    label = "Visitor says"
    category = "trigger"
    is_trigger = True
    fields = (
        ConfigField("mode", "enum", "Match", default="keywords", choices=MODES),
        ConfigField("keywords", "options", "Keywords (any of them)"),
        ConfigField("pattern", "text", "Pattern (* and ?)"),
    )

    def extra_problems(self, config: dict[str, Any]) -> list[str]:
        if config["mode"] == "keywords":
            if not config.get("keywords"):
                return ["'keywords' must name at least one word"]
            if len(config["keywords"]) > MAX_KEYWORDS:
                return [f"'keywords' must be at most {MAX_KEYWORDS}"]
            return []
        pattern = config.get("pattern") or ""
        if not pattern.strip():
            return ["'pattern' is required to match a pattern"]
        if len(pattern) > MAX_PATTERN or pattern.count("*") > MAX_STARS:
            return [f"'pattern' must be at most {MAX_PATTERN} characters and {MAX_STARS} stars"]
        return []


def says(config: dict[str, Any], text: str) -> bool:
    """Whether the visitor's `text` matches the trigger's keywords or pattern."""
    seen = " ".join(text[:MAX_TEXT].casefold().split())
    if config["mode"] == "keywords":
        return any(_has_phrase(seen, keyword) for keyword in config["keywords"])
    pattern = " ".join(config["pattern"].casefold().split())
    return fnmatch.fnmatchcase(seen, pattern)


def _has_phrase(text: str, keyword: str) -> bool:
    phrase = " ".join(keyword.casefold().split())
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None
