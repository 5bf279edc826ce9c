#!/usr/bin/env python3
"""Drive the fake Zendesk with the unmodified `zenpy` library.

Run by tests/clients/run.sh, which starts fakedesk, sources its env file
(FAKEDESK_ZENDESK_URL, _EMAIL, _TOKEN, _PASSWORD, _OAUTH_TOKEN) and resets
the fake's state before this script runs. Prints one PASS/FAIL line per step
and exits non-zero if any step failed.

Steps 9 and 10 need the webhook receiver run.sh starts (receiver.py):
CLIENTS_RECEIVER_URL, CLIENTS_RECEIVER_LOG (its JSON lines) and
CLIENTS_RECEIVER_SECRETS (where we put the signing secrets zenpy reads, so the
receiver can check signatures on its own).
"""

import json
import re
import os
import sys
import time
import traceback
from urllib.parse import urlsplit

URL = os.environ["FAKEDESK_ZENDESK_URL"]
EMAIL = os.environ["FAKEDESK_ZENDESK_EMAIL"]
TOKEN = os.environ["FAKEDESK_ZENDESK_TOKEN"]
PASSWORD = os.environ["FAKEDESK_ZENDESK_PASSWORD"]
OAUTH_TOKEN = os.environ["FAKEDESK_ZENDESK_OAUTH_TOKEN"]

# Base URL: zenpy builds every request URL in BaseApi._build_url as
# "{scheme}://{subdomain}.{domain}/api/v2/...", with scheme "https". It has
# two documented escape hatches read at request time (zenpy/lib/api.py,
# BaseApi._build_url and BaseApi.base_url): ZENPY_FORCE_SCHEME and
# ZENPY_FORCE_NETLOC. We point them at the fake, so no code is patched.
# A subdomain must still be given (zenpy refuses requests without one).
_split = urlsplit(URL)
os.environ["ZENPY_FORCE_SCHEME"] = _split.scheme
os.environ["ZENPY_FORCE_NETLOC"] = _split.netloc

from zenpy import Zenpy  # noqa: E402  (after the env overrides, for clarity)
from zenpy.lib.api_objects import Comment, Ticket, Trigger, User, Webhook  # noqa: E402
from zenpy.lib.exception import APIException, RecordNotFoundException  # noqa: E402

LIB = "zenpy"
FAILED = []


def client(**creds):
    # disable_cache: zenpy otherwise answers tickets(id=...) from its own
    # object cache, and we want every step to reach the fake.
    return Zenpy(subdomain="fakedesk", disable_cache=True, timeout=15, **creds)


def step(name, fn):
    """Run one step; print PASS/FAIL; return fn's result or None."""
    try:
        result = fn()
    except Exception as e:  # noqa: BLE001 - report anything as a failure
        detail = f"{type(e).__name__}: {e}"
        resp = getattr(e, "response", None)
        if resp is not None:
            detail += f" [HTTP {resp.status_code} {resp.request.method} {resp.request.url}]"
        print(f"FAIL {LIB} {name}: {detail}", flush=True)
        if os.environ.get("CLIENTS_VERBOSE"):
            traceback.print_exc()
        FAILED.append(name)
        return None
    print(f"PASS {LIB} {name}", flush=True)
    return result


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


zc = client(email=EMAIL, token=TOKEN)
state = {}


def s1_auth():
    me = zc.users.me()
    check(me.email == EMAIL, f"users.me email {me.email!r} != {EMAIL!r}")
    check(isinstance(me.id, int), f"users.me id {me.id!r} is not an int")
    state["me"] = me.id
    # The same call with the other two credential forms.
    me_oauth = client(oauth_token=OAUTH_TOKEN).users.me()
    check(me_oauth.id == me.id, "OAuth users.me returned another user")
    # password_treatment_level="none": zenpy warns loudly on passwords
    # because Zendesk is retiring password access for the API.
    me_pw = Zenpy(subdomain="fakedesk", disable_cache=True, timeout=15,
                  email=EMAIL, password=PASSWORD,
                  password_treatment_level="none").users.me()
    check(me_pw.id == me.id, "password users.me returned another user")
    # Bad credentials must be refused.
    try:
        client(email=EMAIL, token="wrong-token").users.me()
    except APIException as e:
        check(e.response is not None and e.response.status_code == 401,
              f"bad token: expected 401, got {e.response.status_code if e.response is not None else None}")
    else:
        raise AssertionError("bad token was accepted")


def s2_create():
    body = "My printer is on fire!"
    audit = zc.tickets.create(Ticket(
        subject="Help, printer fire",
        comment=Comment(body=body),
        priority="urgent",
        requester=User(name="Rita Requester", email="rita@example.test"),
    ))
    t = audit.ticket
    check(isinstance(t.id, int) and t.id > 0, f"ticket id {t.id!r}")
    check(t.status == "new", f"status {t.status!r} != 'new'")
    check(t.description == body, f"description {t.description!r} != {body!r}")
    check(t.priority == "urgent", f"priority {t.priority!r}")
    check(t.requester_id not in (None, state.get("me")),
          f"requester_id {t.requester_id!r}: the requester {{name,email}} was not used")
    u = zc.users(id=t.requester_id)
    check((u.name, u.email) == ("Rita Requester", "rita@example.test"),
          f"requester user is {u.name!r} <{u.email}>")
    state["ticket"] = t.id
    state["body"] = body


def s3_show():
    t = zc.tickets(id=state["ticket"])
    check(t.id == state["ticket"], f"shown id {t.id!r}")
    check(t.subject == "Help, printer fire", f"subject {t.subject!r}")
    check(t.description == state["body"], f"description {t.description!r}")


def s4_comment():
    t = zc.tickets(id=state["ticket"])
    t.comment = Comment(body="Have you tried turning it off?", public=True)
    audit = zc.tickets.update(t)
    check(audit.ticket.id == state["ticket"], "update returned another ticket")
    comments = list(zc.tickets.comments(ticket=state["ticket"]))
    bodies = [c.body for c in comments]
    check(len(comments) == 2, f"{len(comments)} comments: {bodies!r}")
    check(bodies == [state["body"], "Have you tried turning it off?"],
          f"comment bodies {bodies!r}")


def s5_solve_close():
    t = zc.tickets(id=state["ticket"])
    t.assignee_id = state["me"]
    t.status = "solved"
    audit = zc.tickets.update(t)
    check(audit.ticket.status == "solved", f"status {audit.ticket.status!r} != 'solved'")
    check(audit.ticket.assignee_id == state["me"], f"assignee {audit.ticket.assignee_id!r}")
    t = zc.tickets(id=state["ticket"])
    t.status = "closed"
    audit = zc.tickets.update(t)
    check(audit.ticket.status == "closed", f"status {audit.ticket.status!r} != 'closed'")
    t = zc.tickets(id=state["ticket"])
    t.comment = Comment(body="one more thing")
    try:
        zc.tickets.update(t)
    except APIException as e:
        check(e.response is not None and e.response.status_code == 422,
              f"expected 422, got {e.response.status_code if e.response is not None else None}")
        check("closed prevents ticket update" in str(e),
              f"error text lacks 'closed prevents ticket update': {e}")
    else:
        raise AssertionError("update of a closed ticket succeeded")


def s6_bulk():
    tickets = [Ticket(subject=f"bulk {i}", comment=Comment(body=f"bulk body {i}"))
               for i in range(5)]
    job = zc.tickets.create(tickets)  # a list -> POST tickets/create_many.json
    check(type(job).__name__ == "JobStatus", f"create_many returned {type(job).__name__}")
    check(isinstance(job.id, str) and job.id, f"job id {job.id!r}")
    deadline = time.monotonic() + 20
    while True:
        job = zc.job_status(id=job.id)
        if job.status in ("completed", "failed", "killed"):
            break
        check(time.monotonic() < deadline, f"job still {job.status!r} after 20 s")
        time.sleep(0.2)
    check(job.status == "completed", f"job ended {job.status!r}")
    ids = [r["id"] if isinstance(r, dict) else r.id for r in job.results]
    check(len(ids) == 5 and len(set(ids)) == 5, f"results ids {ids!r}")
    state["bulk"] = ids


def expected_ids():
    return sorted([state["ticket"]] + state["bulk"])


def s7a_offset():
    # zenpy's tickets() has no per_page knob (PrimaryEndpoint ignores it), so
    # the first page URL is built with zenpy's own endpoint + URL builder plus
    # per_page=2; the paging after that is zenpy's ZendeskResultGenerator
    # following next_page.
    url = zc.tickets.endpoint(cursor_pagination=False)
    url.params["per_page"] = 2
    gen = zc.tickets._get(zc.tickets._build_url(url))
    check(type(gen).__name__ == "ZendeskResultGenerator",
          f"offset listing gave {type(gen).__name__}")
    ids = [t.id for t in gen]
    check(len(ids) == len(set(ids)), f"duplicates in {ids!r}")
    check(sorted(ids) == expected_ids(), f"saw {sorted(ids)!r}, created {expected_ids()!r}")
    check(getattr(gen, "count", None) == len(expected_ids()), f"count {getattr(gen, 'count', None)!r}")


def s7b_cursor():
    gen = zc.tickets(cursor_pagination=2)
    check(type(gen).__name__ == "GenericCursorResultsGenerator",
          f"cursor listing gave {type(gen).__name__}")
    ids = [t.id for t in gen]
    check(len(ids) == len(set(ids)), f"duplicates in {ids!r}")
    check(sorted(ids) == expected_ids(), f"saw {sorted(ids)!r}, created {expected_ids()!r}")


def s8_not_found():
    try:
        zc.tickets(id=987654321)
    except RecordNotFoundException as e:
        check(e.response.status_code == 404, f"status {e.response.status_code}")
        check(json.loads(str(e)).get("error") == "RecordNotFound", str(e))
    else:
        raise AssertionError("unknown ticket did not raise")


# ---------------------------------------------------------------- webhooks
# zenpy 2.0.57 has both APIs: zc.webhooks (WebhooksApi: create, show_secret,
# reset_secret, ...) and zc.triggers (TriggerApi, a CRUDApi), so no raw
# requests are needed here.

RECEIVER_URL = os.environ.get("CLIENTS_RECEIVER_URL", "")
RECEIVER_LOG = os.environ.get("CLIENTS_RECEIVER_LOG", "")
RECEIVER_SECRETS = os.environ.get("CLIENTS_RECEIVER_SECRETS", "")
HOOK_PATH = "/hook/zenpy"
HOOK_TOKEN = "zenpy-receiver-bearer-token"
REQUESTER = "wanda@example.test"
# The documented example body (REFERENCE 1.10), Liquid placeholders in JSON.
BODY_TEMPLATE = ('{"ticket_id":"{{ticket.id}}","status":"{{ticket.status}}",'
                 '"requester":"{{ticket.requester.email}}"}')


def remember_secret(hook_id, secret):
    """Append `secret` to the webhook's list in the receiver's secrets file."""
    try:
        with open(RECEIVER_SECRETS, encoding="utf-8") as f:
            known = json.load(f)
    except (OSError, ValueError):
        known = {}
    known.setdefault(hook_id, []).append(secret)
    tmp = RECEIVER_SECRETS + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(known, f)
    os.replace(tmp, RECEIVER_SECRETS)


def deliveries(hook_id):
    try:
        with open(RECEIVER_LOG, encoding="utf-8") as f:
            lines = [json.loads(line) for line in f if line.strip()]
    except OSError:
        return []
    return [r for r in lines if r.get("webhook_id") == hook_id]


def wait_deliveries(hook_id, want, timeout=15.0, grace=1.0):
    """Poll the receiver's log until `want` deliveries of the webhook are there
    (at most `timeout` s), then `grace` s more, so that extra ones show."""
    deadline = time.monotonic() + timeout
    while len(deliveries(hook_id)) < want and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(grace)
    got = deliveries(hook_id)
    check(len(got) == want,
          f"receiver got {len(got)} deliveries of webhook {hook_id}, expected {want}: "
          f"{[(d['method'], d['path'], d['body']) for d in got]!r}")
    return got


def check_delivery(d, hook_id, ticket_id):
    h = d["headers"]
    check(d["method"] == "POST" and d["path"] == HOOK_PATH, f"request {d['method']} {d['path']}")
    check(d["verified"], f"signature not verified: {d['verify_detail']}")
    check(h.get("authorization") == f"Bearer {HOOK_TOKEN}",
          f"authorization header {h.get('authorization')!r}")
    check(h.get("x-zendesk-webhook-id") == hook_id, f"webhook id header {h.get('x-zendesk-webhook-id')!r}")
    check(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", str(h.get("x-zendesk-webhook-invocation-id", ""))) is not None,
          f"invocation id {h.get('x-zendesk-webhook-invocation-id')!r}")
    check(str(h.get("x-zendesk-account-id", "")).isdigit(), f"account id {h.get('x-zendesk-account-id')!r}")
    check((h.get("content-type") or "").startswith("application/json"), f"content-type {h.get('content-type')!r}")
    check(d["timestamp_skew_s"] is not None and abs(d["timestamp_skew_s"]) < 300,
          f"signature timestamp {h.get('x-zendesk-webhook-signature-timestamp')!r} "
          f"(skew {d['timestamp_skew_s']})")
    body = json.loads(d["body"])
    want = {"ticket_id": str(ticket_id), "status": "Solved", "requester": REQUESTER}
    check(body == want, f"rendered body {body!r} != {want!r}")


def s9_webhook_trigger():
    check(RECEIVER_URL and RECEIVER_LOG and RECEIVER_SECRETS, "no webhook receiver (CLIENTS_RECEIVER_* unset)")
    hook = zc.webhooks.create(Webhook(
        name="zenpy solved tickets",
        endpoint=RECEIVER_URL + HOOK_PATH,
        http_method="POST",
        request_format="json",
        status="active",
        subscriptions=["conditional_ticket_events"],
        authentication={"type": "bearer_token", "data": {"token": HOOK_TOKEN}, "add_position": "header"},
    ))
    check(type(hook).__name__ == "Webhook", f"webhooks.create returned {type(hook).__name__}")
    check(isinstance(hook.id, str) and len(hook.id) == 26, f"webhook id {hook.id!r} is not a ULID")
    check(hook.authentication == {"type": "bearer_token", "add_position": "header"},
          f"authentication echoed as {hook.authentication!r} (data must stay write-only)")
    secret = zc.webhooks.show_secret(hook)
    check(type(secret).__name__ == "WebhookSecret", f"show_secret returned {type(secret).__name__}")
    check(secret.algorithm == "SHA256" and secret.secret, f"signing secret {secret.to_dict()!r}")
    remember_secret(hook.id, secret.secret)
    state["hook"], state["secret"] = hook.id, secret.secret

    trig = zc.triggers.create(Trigger(
        title="Notify when solved",
        conditions={"all": [{"field": "status", "operator": "value", "value": "solved"}], "any": []},
        actions=[{"field": "notification_webhook", "value": [hook.id, BODY_TEMPLATE]}],
    ))
    check(type(trig).__name__ == "Trigger" and isinstance(trig.id, int), f"triggers.create gave {trig!r}")
    check(trig.active is True, f"trigger active {trig.active!r}")
    check(trig.actions == [{"field": "notification_webhook", "value": [hook.id, BODY_TEMPLATE]}],
          f"trigger actions {trig.actions!r}")
    listed = [t.id for t in zc.triggers()]
    check(listed == [trig.id], f"triggers() lists {listed!r}")

    t = zc.tickets.create(Ticket(
        subject="Webhook me", comment=Comment(body="please solve"),
        requester=User(name="Wanda Webhook", email=REQUESTER),
    )).ticket
    state["hook_ticket"] = t.id
    time.sleep(0.5)
    check(deliveries(hook.id) == [], "a delivery came before the ticket was solved")
    t = zc.tickets(id=t.id)
    t.assignee_id = state["me"]
    t.status = "solved"
    check(zc.tickets.update(t).ticket.status == "solved", "ticket not solved")
    (d,) = wait_deliveries(hook.id, 1)
    check_delivery(d, hook.id, state["hook_ticket"])


def s10_reset_secret():
    hook = state["hook"]
    new = zc.webhooks.reset_secret(hook)
    check(type(new).__name__ == "WebhookSecret", f"reset_secret returned {type(new).__name__}")
    check(new.algorithm == "SHA256" and new.secret, f"reset signing secret {new.to_dict()!r}")
    check(new.secret != state["secret"], "reset_secret returned the old secret")
    shown = zc.webhooks.show_secret(hook)
    check(shown.secret == new.secret, "show_secret after reset is not the new secret")
    remember_secret(hook, new.secret)
    # Reopen (no delivery: the condition is "status changed TO solved"), then
    # solve again: one more delivery, signed with the new secret.
    t = zc.tickets(id=state["hook_ticket"])
    t.status = "open"
    check(zc.tickets.update(t).ticket.status == "open", "ticket not reopened")
    t = zc.tickets(id=state["hook_ticket"])
    t.status = "solved"
    check(zc.tickets.update(t).ticket.status == "solved", "ticket not solved again")
    first, second = wait_deliveries(hook, 2)
    check(not second["stale_secret_match"], "the delivery after the reset is signed with the OLD secret")
    check_delivery(second, hook, state["hook_ticket"])
    check(second["headers"]["x-zendesk-webhook-invocation-id"]
          != first["headers"]["x-zendesk-webhook-invocation-id"], "invocation id reused")


step("1 auth (token; oauth + password users.me; bad token 401)", s1_auth)
step("2 create ticket", s2_create)
if "ticket" in state:
    step("3 show ticket", s3_show)
    step("4 add comment + list comments", s4_comment)
    step("5 assign+solve, close, update closed -> 422", s5_solve_close)
else:
    for n in ("3 show ticket", "4 add comment + list comments", "5 assign+solve, close, update closed -> 422"):
        print(f"FAIL {LIB} {n}: no ticket (step 2 failed)")
        FAILED.append(n)
step("6 create_many + job status", s6_bulk)
if "ticket" in state and "bulk" in state:
    step("7a list tickets, offset pagination per_page=2", s7a_offset)
    step("7b list tickets, cursor pagination page[size]=2", s7b_cursor)
else:
    for n in ("7a list tickets, offset pagination", "7b list tickets, cursor pagination"):
        print(f"FAIL {LIB} {n}: tickets missing (step 2 or 6 failed)")
        FAILED.append(n)
step("8 unknown ticket -> RecordNotFoundException", s8_not_found)
step("9 webhook (bearer) + trigger 'solved' -> one signed delivery", s9_webhook_trigger)
if "hook_ticket" in state:
    step("10 reset signing secret -> next delivery verifies with it", s10_reset_secret)
else:
    print(f"FAIL {LIB} 10 reset signing secret: no webhook (step 9 failed)", flush=True)
    FAILED.append("10 reset signing secret")

sys.exit(1 if FAILED else 0)
