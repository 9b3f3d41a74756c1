"""/metrics is for the operator's scraper only: a bearer token, or not served at all."""

from __future__ import annotations

import pytest

from casework.app import create_app
from tests.conftest import settings_for

TOKEN = "scrape-me-7f3a9c"


@pytest.fixture
def make_client(database_url, sessions, clock, tmp_path):
    def make(**env: str):
        settings = settings_for(database_url, tmp_path, **env)
        return create_app(settings, clock=clock, sessions=sessions).test_client()

    return make


def test_metrics_are_not_served_without_a_configured_token(make_client):
    client = make_client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404
    assert client.get("/healthz").status_code == 200  # the load balancer's check stays open


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer é"},
    ],
    ids=["none", "wrong", "longer", "basic", "bare", "empty", "non-ascii"],
)
def test_metrics_refuse_a_missing_or_wrong_token_with_401(make_client, headers):
    client = make_client(METRICS_TOKEN=TOKEN)
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "casework_outbox_backlog" not in response.get_data(as_text=True)


def test_metrics_answer_the_configured_bearer_token(make_client):
    client = make_client(METRICS_TOKEN=TOKEN)
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert "# TYPE casework_outbox_backlog gauge" in response.get_data(as_text=True)
    lower = client.get("/metrics", headers={"Authorization": f"bearer {TOKEN}"})
    assert lower.status_code == 200  # the scheme's name is case-insensitive (RFC 7235)
