#!/usr/bin/env python3
"""zenpy, unmodified and given only a subdomain, an email and a token, reaching
fake Zendesk at https://{subdomain}.zendesk.com through fakedesk's proxy.

Run by tests/clients/run.sh with nothing but the environment a user would set:
HTTPS_PROXY (fakedesk's FAKEDESK_PROXY_URL) and REQUESTS_CA_BUNDLE (its
FAKEDESK_CA_CERT); no URL override (ZENPY_FORCE_* are unset). Prints one
PASS/FAIL line per step and exits non-zero if any step failed.

Each subdomain is an account of its own: a ticket created in one is not seen
from another.
"""

import os
import sys
import time
import traceback

for var in ("ZENPY_FORCE_SCHEME", "ZENPY_FORCE_NETLOC"):
    os.environ.pop(var, None)

from zenpy import Zenpy  # noqa: E402
from zenpy.lib.api_objects import Comment, Ticket  # noqa: E402
from zenpy.lib.exception import RecordNotFoundException  # noqa: E402

EMAIL = os.environ["FAKEDESK_ZENDESK_EMAIL"]
TOKEN = os.environ["FAKEDESK_ZENDESK_TOKEN"]
LIB = "zenpy-proxy"
FAILED = []
# Subdomains unique to this run, as parallel test workers would pick them.
RUN = str(os.getpid())
ACME = f"acme{RUN}"
GLOBEX = f"globex{RUN}"


def client(subdomain):
    return Zenpy(subdomain=subdomain, email=EMAIL, token=TOKEN,
                 disable_cache=True, timeout=15)


def step(name, fn):
    try:
        result = fn()
    except Exception as e:  # noqa: BLE001 - report anything as a failure
        print(f"FAIL {LIB} {name}: {type(e).__name__}: {e}", flush=True)
        if os.environ.get("CLIENTS_VERBOSE"):
            traceback.print_exc()
        FAILED.append(name)
        return None
    print(f"PASS {LIB} {name}", flush=True)
    return result


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


state = {}
subject = f"Printer fire {time.time_ns()}"


def s1_create():
    audit = client(ACME).tickets.create(Ticket(
        subject=subject, comment=Comment(body="It is on fire."), priority="high"))
    t = audit.ticket
    check(isinstance(t.id, int) and t.id > 0, f"ticket id {t.id!r}")
    check(t.status == "new", f"status {t.status!r}")
    check(t.url.startswith(f"https://{ACME}.zendesk.com/api/v2/tickets/"),
          f"ticket url {t.url!r} does not name the subdomain's host")
    state["id"] = t.id


def s2_show():
    t = client(ACME).tickets(id=state["id"])
    check((t.id, t.subject) == (state["id"], subject), f"shown {t.id!r} {t.subject!r}")


def s3_solve():
    zc = client(ACME)
    t = zc.tickets(id=state["id"])
    t.status = "solved"
    # Zendesk requires an assignee to solve (RecordInvalid otherwise).
    t.assignee_id = zc.users.me().id
    t.comment = Comment(body="Extinguished.", public=True)
    zc.tickets.update(t)
    check(zc.tickets(id=state["id"]).status == "solved", "not solved")


def s4_isolated():
    other = client(GLOBEX)
    subjects = [t.subject for t in other.tickets()]
    check(subject not in subjects, f"{GLOBEX} lists {ACME}'s ticket")
    try:
        other.tickets(id=state["id"])
    except RecordNotFoundException:
        pass
    else:
        raise AssertionError(f"{GLOBEX} shows {ACME}'s ticket {state['id']}")
    check(subject in [t.subject for t in client(ACME).tickets()],
          f"{ACME} lost its ticket")


step("create a ticket at https://<subdomain>.zendesk.com through HTTPS_PROXY", s1_create)
if "id" in state:
    step("show the ticket", s2_show)
    step("solve the ticket", s3_solve)
    step("another subdomain is another account", s4_isolated)
sys.exit(1 if FAILED else 0)
