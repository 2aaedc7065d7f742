import httpx


async def test_healthz_answers_ok_once_the_database_is_reachable(client: httpx.AsyncClient):
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_graphiql_is_served_on_get_outside_production(client: httpx.AsyncClient):
    response = await client.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
