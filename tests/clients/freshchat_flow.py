#!/usr/bin/env python3
"""Drive the fake Freshchat with the unmodified `freshchat` library (PyPI).

Run by tests/clients/run.sh, which starts fakedesk, sources its env file
(FAKEDESK_FRESHCHAT_URL, _TOKEN, _APP_ID, _CHANNEL_ID, FAKEDESK_CONTROL_URL)
and resets the fake's state before this script runs. Prints one PASS/FAIL
line per step and exits non-zero if any step failed.

The library (freshchat 0.6.0, last released 2020) has two layers:
FreshChatClient, an aiohttp client for the API v2 (base URL from
FreshChatConfiguration.url, `Authorization: Bearer <token>`, error statuses
mapped to exception classes), and dataclass models (User, Conversation,
Message) that build objects with `cls(**response.body)`. The models refuse
any field they do not declare, and Freshchat's v2 objects carry more (users
have `updated_time`, messages `interaction_id` and `user_id`), so the model
layer fails with TypeError against the API; step 5 records that. The flow
uses the client layer, as an integrator would.
"""

import asyncio
import json
import os
import sys
import traceback
import urllib.request

from freshchat.client.client import FreshChatClient
from freshchat.client.configuration import FreshChatConfiguration
from freshchat.client.exceptions import FreshChatUnauthorised, ResourceNotFound
from freshchat.models import User

URL = os.environ["FAKEDESK_FRESHCHAT_URL"]
TOKEN = os.environ["FAKEDESK_FRESHCHAT_TOKEN"]
APP_ID = os.environ["FAKEDESK_FRESHCHAT_APP_ID"]
CHANNEL_ID = os.environ["FAKEDESK_FRESHCHAT_CHANNEL_ID"]
CONTROL = os.environ["FAKEDESK_CONTROL_URL"]

LIB = "freshchat"
FAILED = []
TEXT = "Where is my parcel? (sent through the freshchat library)"


def config(token=TOKEN):
    # FreshChatConfiguration.url is the API's base, joined with each endpoint
    # (urllib.parse.urljoin): it must end with "/v2/".
    return FreshChatConfiguration(
        app_id=APP_ID, token=token, default_channel_id=CHANNEL_ID, url=f"{URL}/v2/"
    )


def control_get(path):
    with urllib.request.urlopen(f"{CONTROL}{path}", timeout=10) as r:
        return json.loads(r.read().decode())


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


async def step(name, fn):
    """Run one step; print PASS/FAIL; return fn's result or None."""
    try:
        result = await fn()
    except Exception as e:  # noqa: BLE001 - report anything as a failure
        print(f"FAIL {LIB} {name}: {type(e).__name__}: {e}", flush=True)
        if os.environ.get("CLIENTS_VERBOSE"):
            traceback.print_exc()
        FAILED.append(name)
        return None
    print(f"PASS {LIB} {name}", flush=True)
    return result


async def main():
    fc = FreshChatClient(config())
    state = {}

    async def s1_bad_token():
        try:
            await FreshChatClient(config("not-the-token")).get("/channels")
        except FreshChatUnauthorised:
            return
        raise AssertionError("a wrong bearer token was accepted")

    async def s2_user():
        r = await fc.post(
            "/users",
            json={"email": "lib@example.com", "first_name": "Lib", "last_name": "Reader"},
        )
        check(r.status == 201 or r.status == 200, f"status {r.status}")
        check(isinstance(r.body, dict) and r.body.get("id"), f"body {r.body!r}")
        check(r.body.get("email") == "lib@example.com", f"email {r.body.get('email')!r}")
        state["user"] = r.body["id"]

    async def s3_conversation():
        r = await fc.post(
            "/conversations",
            json={
                "app_id": APP_ID,
                "channel_id": CHANNEL_ID,
                "users": [{"id": state["user"]}],
                "messages": [{
                    "message_parts": [{"text": {"content": "Hello"}}],
                    "channel_id": CHANNEL_ID,
                    "actor_type": "user",
                    "actor_id": state["user"],
                }],
            },
        )
        check(isinstance(r.body, dict) and r.body.get("conversation_id"), f"body {r.body!r}")
        state["conversation"] = r.body["conversation_id"]

    async def s4_message():
        conv = state["conversation"]
        r = await fc.post(
            f"/conversations/{conv}/messages",
            json={
                "message_parts": [{"text": {"content": TEXT}}],
                "message_type": "normal",
                "actor_type": "user",
                "actor_id": state["user"],
            },
        )
        check(r.body.get("conversation_id") == conv, f"body {r.body!r}")
        check(r.body.get("actor_type") == "user", f"actor_type {r.body.get('actor_type')!r}")
        state["message"] = r.body["id"]
        # Read it back through the library, and a missing conversation is a 404.
        got = await fc.get(f"/conversations/{conv}/messages")
        texts = [
            p.get("text", {}).get("content")
            for m in got.body.get("messages", [])
            for p in m.get("message_parts", [])
        ]
        check(TEXT in texts, f"the message is not listed: {texts!r}")
        try:
            await fc.get("/conversations/00000000-0000-4000-8000-000000000000")
        except ResourceNotFound:
            return
        raise AssertionError("an unknown conversation was found")

    async def s5_models_refuse_v2_objects():
        # Not a fake's fault: the library's dataclasses take no field they do
        # not declare. Recorded so a change (in the library or the fake) shows.
        try:
            await User.get(fc, state["user"])
        except TypeError as e:
            check("updated_time" in str(e), f"unexpected TypeError: {e}")
            return
        raise AssertionError("User.get now works: use the model layer in this flow")

    async def s6_journal():
        conv = state["conversation"]

        def webhooks(entries):
            return [
                e for e in entries
                if e["direction"] == "outbound"
                and (e["request"].get("body") or {}).get("action") == "message_create"
                and ((e["request"]["body"].get("data") or {}).get("message") or {}).get("id")
                == state["message"]
            ]

        # Webhooks go out after the API answers: poll the journal, 10 s at most.
        for _ in range(100):
            entries = control_get("/journal?vendor=freshchat")["entries"]
            if webhooks(entries):
                break
            await asyncio.sleep(0.1)
        inbound = [
            e for e in entries
            if e["direction"] == "inbound" and e["method"] == "POST"
            and e["path"] == f"/v2/conversations/{conv}/messages"
        ]
        check(len(inbound) == 1, f"{len(inbound)} journaled message posts")
        req = inbound[0]["request"]
        check(req["headers"].get("authorization") == f"Bearer {TOKEN}",
              f"authorization {req['headers'].get('authorization')!r}")
        check((inbound[0]["response"] or {}).get("status") == 200,
              f"response {inbound[0]['response']!r}")
        hooks = webhooks(entries)
        check(hooks, "no message_create webhook for the message was journaled")
        h = hooks[0]["request"]
        check(h["headers"].get("x-freshchat-signature"), "the webhook is not signed")
        parts = h["body"]["data"]["message"]["message_parts"]
        check(parts == [{"text": {"content": TEXT}}], f"message_parts {parts!r}")

    await step("1 a wrong bearer token raises FreshChatUnauthorised", s1_bad_token)
    await step("2 POST /v2/users creates a user", s2_user)
    if "user" in state:
        await step("3 POST /v2/conversations with a first message", s3_conversation)
    if "conversation" in state:
        await step("4 POST and GET /v2/conversations/{id}/messages", s4_message)
        await step("5 the model layer refuses v2 users (TypeError on updated_time)",
                   s5_models_refuse_v2_objects)
    if "message" in state:
        await step("6 the message and its signed webhook are journaled", s6_journal)
    print(f"{LIB}: {'FAILED ' + ', '.join(FAILED) if FAILED else 'all steps passed'}")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
