"""The fuzz gate's parts: a client that checks every answer, and strategies for Propflow's inputs.

`CheckedClient` sends one request and fails on a 5xx, on "Unexpected error.", and on a refused
request (an error at the root of the operation, or a 4xx) that changed the row count of any
table. The strategies aim at the values the services parse: ids, property values, filters, flow
documents, page views and replies, CSV files and the export's query parameters.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import graphql
import httpx
from hypothesis import strategies as st
from hypothesis_graphql import nodes

from tests.support.row_counts import RowCounts

MASKED = "Unexpected error."
PROPERTY_KEYS = ["name", "email", "phone", "shoe_size", "plan", "birthday", "vip", "site", "notes"]
NODE_TYPES = [
    "page_visit", "send_message", "decision", "ask_question", "update_property",
    "increment_property", "condition", "end", "bogus",
]  # fmt: skip
OPERATORS = ["EQ", "NEQ", "CONTAINS", "STARTS_WITH", "GT", "GTE", "LT", "LTE", "IN", "IS_SET",
             "IS_NOT_SET", "LIKE"]  # fmt: skip


class CheckedClient:
    def __init__(self, base_url: str, token: str, counts: RowCounts) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self.token = token
        self.counts = counts
        self.sent = 0

    def graphql(
        self, query: str, variables: dict[str, Any] | None = None, *, signed_in: bool = True
    ) -> dict[str, Any]:
        """The body of a GraphQL request, once it passed every check."""
        body = {"query": query, "variables": variables or {}}
        response = self.send("POST", "/graphql", signed_in=signed_in, json=body)
        return response.json()

    def send(self, method: str, path: str, *, signed_in: bool = True, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if signed_in else {}
        before = self.counts.counts()
        response = self.http.request(method, path, headers=headers, **kwargs)
        after = self.counts.counts()
        self.sent += 1
        what = f"{method} {path} {_short(kwargs)} -> {response.status_code} {response.text[:800]}"
        assert response.status_code < 500, what
        assert MASKED not in response.text, what
        if _refused(response):
            changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
            assert not changed, f"a refused request changed {changed}: {what}"
        return response

    def close(self) -> None:
        self.http.close()


def _refused(response: httpx.Response) -> bool:
    """A 4xx, or a GraphQL error before execution or at an operation's root field (deeper
    errors come after the root field did its work)."""
    if response.status_code >= 400:
        return True
    if not response.headers.get("content-type", "").startswith("application/json"):
        return False
    errors = response.json().get("errors") or []
    return any(len(error.get("path") or []) <= 1 for error in errors)


def _short(kwargs: dict[str, Any]) -> str:
    return json.dumps(kwargs, default=repr, ensure_ascii=True)[:1500]


# Values -------------------------------------------------------------------------------------

NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)
TEXTS = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        ["", " ", "42", "-1.5", "1e309", "yes", "2024-02-30", "2024-02-29", "+14155550123",
         "ann@example.com", "not an email", "https://shop.example/pricing", "[", "http://[::1",
         "Free", "Pro", "{shoe_size}", "{x|y}", "a\x00b", "²", "٣", "x" * 3000]
    ),
)  # fmt: skip
NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, -1, 2**31, 2**53 + 1, 2**63, -(2**63) - 1, 10**30, 10**300]),
    st.floats(allow_nan=False, allow_infinity=False),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXTS, st.sampled_from(PROPERTY_KEYS))
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(NAMES, children, max_size=4),
    max_leaves=10,
)
IDS = st.one_of(
    st.integers(min_value=1, max_value=12).map(str),
    st.sampled_from([str(2**63), str(2**63 - 1), "9" * 30, "²", "0", "-1", "1.0", "abc", ""]),
)
URLS = st.one_of(
    st.sampled_from(
        ["https://shop.example/pricing", "https://shop.example/shoes/red", "/pricing", "[",
         "http://[::1", "https://[", "//", "", "shop[.example/x", "https://x.example/?a=[",
         "javascript:alert(1)", "https://shop.example/" + "a" * 3000]
    ),
    st.text(max_size=40),
)  # fmt: skip


@st.composite
def flow_documents(draw: st.DrawFn) -> Any:
    """Documents close enough to real ones to reach validation and the engine."""
    ids = draw(st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), min_size=1, max_size=5))
    document_nodes = [
        {
            "id": node_id,
            "type": draw(st.sampled_from(NODE_TYPES)),
            "position": {"x": draw(NUMBERS), "y": 0},
            "config": draw(node_configs()),
        }
        for node_id in ids
    ]
    ports = st.sampled_from(["next", "true", "false", "0", "1", "failed", "nope"])
    edges = [
        {"id": f"e{n}", "source": draw(st.sampled_from(ids)), "sourcePort": draw(ports),
         "target": draw(st.sampled_from([*ids, "missing"]))}
        for n in range(draw(st.integers(0, 6)))
    ]  # fmt: skip
    return draw(st.sampled_from([{"nodes": document_nodes, "edges": edges}, document_nodes]))


@st.composite
def node_configs(draw: st.DrawFn) -> dict[str, Any]:
    keys = st.sampled_from([*PROPERTY_KEYS, "nope"])
    fields: dict[str, st.SearchStrategy[Any]] = {
        "match": st.sampled_from(["exact", "contains", "prefix", "glob", "regex"]),
        "url": URLS,
        "limit": st.sampled_from(["once_per_visitor", "every_visit", "never"]),
        "text": TEXTS,
        "options": st.lists(TEXTS, max_size=3),
        "saveTo": keys | st.none(),
        "retryText": TEXTS,
        "maxRetries": NUMBERS,
        "updates": st.lists(st.fixed_dictionaries({"key": keys, "value": JSON_VALUES}), max_size=3),
        "key": keys,
        "by": NUMBERS,
        "op": st.sampled_from(OPERATORS),
        "value": JSON_VALUES,
    }
    chosen = draw(st.lists(st.sampled_from(sorted(fields)), max_size=5, unique=True))
    return {name: draw(fields[name]) for name in chosen}


EVENTS = st.lists(
    st.one_of(
        st.fixed_dictionaries({"pageView": URLS}),
        st.fixed_dictionaries({"text": TEXTS}),
        st.fixed_dictionaries({"choice": NUMBERS}),
        JSON_VALUES,
    ),
    max_size=4,
)
FILTERS = st.lists(
    st.fixed_dictionaries(
        {"key": st.sampled_from([*PROPERTY_KEYS, "nope"]), "op": st.sampled_from(OPERATORS)},
        optional={"value": JSON_VALUES},
    ),
    max_size=3,
)
CURSORS = st.one_of(
    TEXTS,
    st.tuples(
        st.lists(SCALARS | st.sampled_from([2**31, 2**63, 10**400]), max_size=2),
        st.sampled_from([1, 2, 0, -1, 2**31, 2**63, 10**400, True, "1", None]) | JSON_VALUES,
    )
    .map(lambda cursor: json.dumps(list(cursor)).encode())
    .map(lambda raw: base64.urlsafe_b64encode(raw).decode().rstrip("=")),
)
JSON_SCALAR = st.one_of(JSON_VALUES, flow_documents(), EVENTS, FILTERS)
# Query parameters of /export and /import: JSON of every shape, and texts no parser likes, each
# short enough for the server's request line (uvicorn refuses one over 16 KiB).
PARAMETERS = st.one_of(
    FILTERS.map(json.dumps),
    JSON_VALUES.map(json.dumps),
    TEXTS,
    st.sampled_from(
        ["[" * 1100 + "]" * 1100, '{"a":' * 300 + "1" + "}" * 300, "1" + "0" * 4400,
         '[{"key": "notes", "op": "EQ", "value": "\\ud800"}]', '{"\\udfff": "email"}',
         '[{"key": "shoe_size", "op": "GT", "value": 1' + "0" * 4000 + "}]", "[{", "null",
         "email,nope," + "x" * 3000, "id,email,createdAt,visitorId"]
    ),
)  # fmt: skip


def as_value_node(value: Any) -> graphql.ValueNode:
    """A JSON value as a GraphQL literal (object keys are GraphQL names)."""
    if value is None:
        return graphql.NullValueNode()
    if isinstance(value, bool):
        return nodes.Boolean(value)
    if isinstance(value, int):
        return nodes.Int(value)
    if isinstance(value, float):
        return nodes.Float(value)
    if isinstance(value, str):
        return nodes.String(value)
    if isinstance(value, list):
        return nodes.List([as_value_node(item) for item in value])
    return nodes.Object(
        [
            graphql.ObjectFieldNode(name=graphql.NameNode(value=key), value=as_value_node(item))
            for key, item in value.items()
        ]
    )


def custom_scalars(public_key: str) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """Scalar strategies for schemathesis: `JSON` from the strategies above, and `ID` and
    `String` that often hit a real row, key or the workspace's public key."""
    strings = st.one_of(TEXTS, st.sampled_from([public_key, *PROPERTY_KEYS, "createdAt"]), URLS)
    return {
        "JSON": JSON_SCALAR.map(as_value_node),
        "ID": IDS.map(nodes.String),
        "String": strings.map(nodes.String),
    }
