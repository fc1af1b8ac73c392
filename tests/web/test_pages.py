"""The portal's pages and their JSON twins: status with its chart, search with snippets,
security headers on everything, hostile text shown as text."""

from __future__ import annotations

import httpx
import pytest
from portal_helpers import Portal

from shared_helpers import meeting
from zoombridge.accounts import Role
from zoombridge.archive.search_index import Document, index_meeting
from zoombridge.web.security import CSP

pytestmark = pytest.mark.anyio


def _index(portal: Portal, text: str, speaker: str = "Ada Lovelace") -> None:
    uuid = meeting(portal.catalog, 1, "m1", topic="Budget <b>review</b>")
    index_meeting(
        portal.catalog, 1, uuid, [Document("transcript", text, speaker=speaker, start=75.0)]
    )


@pytest.mark.parametrize("path", ["/login", "/health", "/api/me", "/nowhere", "/static/portal.css"])
async def test_every_answer_carries_the_security_headers(portal: Portal, path: str) -> None:
    response = await portal.client().get(path)
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    if path != "/health":
        assert response.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in response.headers  # plain HTTP here


async def test_over_https_the_browser_is_told_to_stay_on_https(portal: Portal) -> None:
    transport = httpx.ASGITransport(app=portal.app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="https://portal.test") as client:
        response = await client.get("/login")
    assert response.headers["strict-transport-security"].startswith("max-age=")
    cookie = response.headers["set-cookie"].lower()
    assert "secure" in cookie


async def test_the_status_page_and_its_json_twin_agree(portal: Portal) -> None:
    client = await portal.signed_in(Role.MANAGER)
    page = await client.get("/status")
    twin = (await client.get("/api/status")).json()
    assert page.status_code == 200
    assert [s["connection"] for s in twin] == ["default"]
    assert "Sync process" in page.text
    assert "Last recording fetched till" in page.text
    assert '<svg class="bars"' in page.text
    for state in twin[0]["files"]:
        assert f">{state}</text>" in page.text


async def test_search_shows_speaker_snippet_and_place_and_escapes_what_was_said(
    portal: Portal,
) -> None:
    _index(portal, "the budget <script>alert(1)</script> is due")
    client = await portal.signed_in(Role.MANAGER)
    page = await client.get("/search", params={"q": "budget"})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text
    assert "<mark>budget</mark>" in page.text
    assert "Budget &lt;b&gt;review&lt;/b&gt;" in page.text
    assert "<b>Ada Lovelace</b>" in page.text
    assert "at 0:01:15" in page.text
    twin = (await client.get("/api/search", params={"q": "budget"})).json()
    hit = next(h for h in twin if h["kind"] == "transcript")
    assert (hit["speaker"], hit["offset"], hit["snippet"]) == (
        "Ada Lovelace",
        75.0,
        "the «budget» <script>alert(1)</script> is due",
    )


@pytest.mark.parametrize(
    "query", ['"unbalanced', "NEAR(a b)", "body:x OR *", "\x00\x01", "-", "a" * 1500]
)
async def test_hostile_queries_answer_calmly(portal: Portal, query: str) -> None:
    _index(portal, "nothing to see")
    client = await portal.signed_in(Role.MANAGER)
    page = await client.get("/search", params={"q": query})
    api = await client.get("/api/search", params={"q": query})
    assert page.status_code == api.status_code  # the page and its twin agree
    if len(query) > 1000:
        assert api.status_code == 422
        assert "at most" in api.json()["detail"]
    else:
        assert api.status_code == 200
        assert "nothing to see" not in api.text  # no word of it was asked for


async def test_an_oversized_query_or_a_bad_date_is_refused_with_a_reason(portal: Portal) -> None:
    client = await portal.signed_in(Role.MANAGER)
    long = await client.get("/api/search", params={"q": "x" * 3000})
    assert long.status_code == 422
    bad_date = await client.get("/api/search", params={"q": "x", "date_from": "yesterday"})
    assert bad_date.status_code == 422
    reversed_range = await client.get(
        "/api/search", params={"q": "x", "date_from": "2026-02-01", "date_to": "2026-01-01"}
    )
    assert reversed_range.status_code == 422
    assert "after" in reversed_range.json()["detail"]


async def test_the_search_form_as_a_browser_sends_it_with_empty_fields(portal: Portal) -> None:
    _index(portal, "the budget is due")
    client = await portal.signed_in(Role.MANAGER)
    blank = {"q": "budget", "host": "", "date_from": "", "date_to": ""}
    page = await client.get("/search", params=blank)
    assert page.status_code == 200
    assert "<mark>budget</mark>" in page.text
    bad = await client.get("/search", params=blank | {"date_from": "31/03/2026"})
    assert bad.status_code == 422
    assert "is not a date like 2026-03-31" in bad.text
