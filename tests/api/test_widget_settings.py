"""The workspace's widget settings: which origins may run the visitor widget."""

import pytest

from tests.support.graphql import GraphQLClient, code_of

SETTINGS = "{ workspace { publicKey allowedOrigins } }"
UPDATE = """
mutation($origins: [String!]!) {
  updateWorkspaceSettings(allowedOrigins: $origins) { allowedOrigins }
}"""


async def test_a_new_workspace_allows_any_origin(gql: GraphQLClient):
    assert (await gql(SETTINGS))["workspace"]["allowedOrigins"] == []


async def test_update_workspace_settings_stores_origins_as_browsers_send_them(gql: GraphQLClient):
    origins = ["https://Shop.Example:443/", " http://localhost:3000 ", "https://shop.example"]

    updated = await gql(UPDATE, origins=origins)

    expected = ["https://shop.example", "http://localhost:3000"]
    assert updated["updateWorkspaceSettings"]["allowedOrigins"] == expected
    assert (await gql(SETTINGS))["workspace"]["allowedOrigins"] == expected
    assert (await gql(UPDATE, origins=[]))["updateWorkspaceSettings"]["allowedOrigins"] == []


@pytest.mark.parametrize(
    "bad",
    [
        "shop.example",
        "https://shop.example/checkout",
        "https://shop.example?x=1",
        "ftp://shop.example",
        "https://user@shop.example",
        "*",
        "",
    ],
)
async def test_update_workspace_settings_names_the_entry_that_is_not_an_origin(
    gql: GraphQLClient, bad: str
):
    await gql(UPDATE, origins=["https://kept.example"])

    error = await gql.error(UPDATE, origins=["https://fine.example", bad])

    assert code_of(error) == "VALIDATION_FAILED"
    assert error["extensions"]["value"] == bad
    assert f"'{bad}' is not an origin" in error["message"]
    assert (await gql(SETTINGS))["workspace"]["allowedOrigins"] == ["https://kept.example"]


async def test_update_workspace_settings_needs_an_operator(anonymous: GraphQLClient):
    error = await anonymous.error(UPDATE, origins=[])

    assert code_of(error) == "UNAUTHENTICATED"


async def test_each_workspace_keeps_its_own_origins(gql: GraphQLClient, other_gql: GraphQLClient):
    await gql(UPDATE, origins=["https://acme.example"])

    assert (await other_gql(SETTINGS))["workspace"]["allowedOrigins"] == []
