"""The escalator's tests, against fake Zendesk through the `fakedesk` pytest fixture.

Run with the fakedesk wheel installed: `python -m pytest examples/python`.
"""

from __future__ import annotations

import base64
import json
import pathlib
import urllib.error
import urllib.request
from typing import Iterator

import pytest

import fakedesk as fd_pkg
from escalator import NOTE, Escalator

HERE = pathlib.Path(__file__).parent
PAYLOAD = '{"ticket_id": "{{ticket.id}}", "subject": "{{ticket.title}}"}'


@pytest.fixture
def escalator(fakedesk: fd_pkg.Server) -> Iterator[Escalator]:
    """The integration, running, and fake Zendesk set up to notify it of new
    tickets (a webhook and a trigger, made through the API as an admin would)."""
    creds = fakedesk.credentials("zendesk")
    app = Escalator(fakedesk.url("zendesk"), creds["email"], creds["token"]).start()
    hook = app.zendesk("POST", "/api/v2/webhooks", {"webhook": {
        "name": "Escalator", "endpoint": f"{app.url}/hooks/zendesk", "http_method": "POST",
        "request_format": "json", "status": "active", "subscriptions": ["conditional_ticket_events"],
    }})["webhook"]
    app.zendesk("POST", "/api/v2/triggers", {"trigger": {
        "title": "New tickets to the escalator",
        "conditions": {"all": [{"field": "update_type", "operator": "is", "value": "Create"}]},
        "actions": [{"field": "notification_webhook", "value": [hook["id"], PAYLOAD]}],
    }})
    yield app
    app.stop()


def test_an_urgent_ticket_is_escalated_after_a_verified_webhook(fakedesk: fd_pkg.Server, escalator: Escalator) -> None:
    created = fakedesk.send("zendesk", "ticket_create", ticket={
        "subject": "URGENT: checkout is down", "comment": {"body": "Nobody can pay."},
        "requester": {"name": "Ana Souza", "email": "ana@example.com"},
    })
    ticket_id = created["ticket"]["id"]
    # Zendesk delivered the signed webhook and the integration accepted it (200:
    # it answers 401 to a signature it cannot verify).
    [delivery] = fakedesk.expect("zendesk", direction="outbound", method="POST", path="/hooks/zendesk",
                                 body={"ticket_id": str(ticket_id)}, status=200, within="10s")
    assert delivery["headers"]["x-zendesk-webhook-signature"]
    assert delivery["response"]["body"] == {"escalated": True}
    fakedesk.expect("zendesk", method="GET", path="/api/v2/webhooks/*/signing_secret", status=200)
    fakedesk.expect("zendesk", method="PUT", path=f"/api/v2/tickets/{ticket_id}.json",
                    body={"ticket": {"priority": "urgent", "tags": ["escalated"]}}, status=200)
    [ticket] = [t for t in fakedesk.state("zendesk")["tickets"] if t["id"] == ticket_id]
    assert ticket["priority"] == "urgent" and "escalated" in ticket["tags"]
    assert any(c["body"] == NOTE and c["public"] is False for c in ticket["comments"])


def test_a_calm_ticket_is_left_alone(fakedesk: fd_pkg.Server, escalator: Escalator) -> None:
    created = fakedesk.send("zendesk", "ticket_create", ticket={
        "subject": "A question about invoices", "comment": {"body": "Where do I find them?"},
    })
    ticket_id = created["ticket"]["id"]
    fakedesk.expect("zendesk", direction="outbound", path="/hooks/zendesk", status=200, within="10s")
    fakedesk.expect("zendesk", method="PUT", path=f"/api/v2/tickets/{ticket_id}.json", count=0, within="300ms")


def test_a_forged_delivery_is_refused_and_nothing_is_escalated(fakedesk: fd_pkg.Server, escalator: Escalator) -> None:
    hook_id = fakedesk.state("zendesk")["webhooks"][0]["id"]
    req = urllib.request.Request(f"{escalator.url}/hooks/zendesk", method="POST",
                                 data=b'{"ticket_id": "1", "subject": "urgent"}', headers={
                                     "x-zendesk-webhook-id": hook_id,
                                     "x-zendesk-webhook-signature-timestamp": "2026-01-01T00:00:00Z",
                                     "x-zendesk-webhook-signature": base64.b64encode(b"forged" * 5).decode(),
                                 })
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(req, timeout=10)
    assert refused.value.code == 401
    fakedesk.expect("zendesk", method="PUT", path="/api/v2/tickets/*", count=0, within="200ms")


def test_a_failed_expect_shows_the_closest_exchange(fakedesk: fd_pkg.Server, escalator: Escalator) -> None:
    with pytest.raises(fd_pkg.ExpectationFailed) as failed:
        fakedesk.expect("zendesk", method="POST", path="/api/v2/triggers", body={"trigger": {"title": "Other"}},
                        within="200ms")
    message = str(failed.value)
    assert "closest: #2 zendesk inbound POST /api/v2/triggers → 201" in message, message
    assert 'body.trigger.title: expected "Other", got "New tickets to the escalator"' in message, message


def test_each_test_starts_from_the_seeded_state(fakedesk: fd_pkg.Server) -> None:
    assert fakedesk.journal() == []
    assert fakedesk.state("zendesk")["webhooks"] == []
    assert fakedesk.credentials("zendesk").keys() >= {"email", "token", "password", "oauth_token"}


@pytest.mark.fakedesk_fresh
def test_a_marked_test_gets_a_server_of_its_own(fakedesk: fd_pkg.Server, fakedesk_session: fd_pkg.Server) -> None:
    assert fakedesk.url("zendesk") != fakedesk_session.url("zendesk")
    assert fakedesk.journal(vendor="zendesk") == []


def test_a_scenario_file_runs_with_its_own_fakes(fakedesk: fd_pkg.Server) -> None:
    done = fakedesk.run_scenario(HERE / "ticket.yaml")
    assert "1 passed, 0 failed" in done.stdout
