#!/usr/bin/env python3
"""A small webhook receiver for the client flows: it stands in for the service a
Zendesk webhook points at, and checks each delivery's signature itself.

    python3 receiver.py PORT_FILE LOG_FILE SECRETS_FILE
    python3 receiver.py --self-check URL LOG_FILE SECRETS_FILE

Listens on 127.0.0.1, on a port the OS picks, and writes that port to
PORT_FILE once it is listening. Every request is answered 200 and recorded as
one JSON line in LOG_FILE (written and flushed before the answer goes out):

    {"n", "received_at", "method", "path", "headers" (lower-case names),
     "body" (text), "webhook_id", "verified", "stale_secret_match",
     "verify_detail", "timestamp_skew_s"}

Signature check, done here with hmac/hashlib/base64 only (no fakedesk code), as
Zendesk documents it (developer.zendesk.com/documentation/webhooks/verifying):

    base64(HMAC-SHA256(key = signing secret, msg = TIMESTAMP + BODY))

with TIMESTAMP the x-zendesk-webhook-signature-timestamp header and BODY the
raw request body. The secrets come from SECRETS_FILE, re-read for every
request: `{"<webhook id>": ["<oldest secret>", ..., "<current secret>"]}`. The
flows write it with what they read from GET/POST
/api/v2/webhooks/{id}/signing_secret through their client library.
`verified` is true only when the signature matches the webhook's CURRENT
(last) secret; `stale_secret_match` is true when it matches an older one.

Stops on SIGTERM or SIGINT.

--self-check asks a running receiver at URL to check a known answer: the
docs' test secret `dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==`, TIMESTAMP
`2021-07-25T10:00:00Z` and BODY `{"say": "hello"}` give
`gf3v0LzLRHPUnIdhbvwRDVEvzSb07/QN0GYjSNlkBT0=` (REFERENCE 1.11: the secret is
the docs', the value was computed with the documented scheme). That must
verify, and the same headers over a changed body must not. Exit 0 if so.
"""

import base64
import datetime
import hashlib
import hmac
import json
import os
import signal
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SELF_CHECK = sys.argv[1:2] == ["--self-check"]
if SELF_CHECK:
    del sys.argv[1]
PORT_FILE, LOG_FILE, SECRETS_FILE = sys.argv[1:4]  # URL, not a port file, with --self-check
MAX_BODY = 1 << 20
LOCK = threading.Lock()
COUNT = [0]


def load_secrets():
    try:
        with open(SECRETS_FILE, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def sign(secret, timestamp, body):
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("utf-8") + body, hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def verify(headers, body):
    """(verified, stale_secret_match, detail, skew seconds or None)."""
    hook = headers.get("x-zendesk-webhook-id")
    sig = headers.get("x-zendesk-webhook-signature")
    ts = headers.get("x-zendesk-webhook-signature-timestamp")
    if not (hook and sig and ts):
        return False, False, "missing x-zendesk-webhook-id, -signature or -signature-timestamp", None
    skew = None
    try:
        when = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
        skew = round((datetime.datetime.now(datetime.timezone.utc) - when).total_seconds(), 3)
    except ValueError:
        pass
    secrets = load_secrets().get(hook) or []
    if not secrets:
        return False, False, f"no secret known for webhook {hook}", skew
    if hmac.compare_digest(sign(secrets[-1], ts, body), sig):
        return True, False, "signature matches the current secret", skew
    for old in secrets[:-1]:
        if hmac.compare_digest(sign(old, ts, body), sig):
            return False, True, "signature matches an older secret, not the current one", skew
    # Name the other order too, so a fake that signs BODY + TIMESTAMP (an older
    # revision of Zendesk's doc) is told apart from a plain wrong signature.
    if hmac.compare_digest(sign(secrets[-1], "", body + ts.encode("utf-8")), sig):
        return False, False, "signature is over BODY + TIMESTAMP, not TIMESTAMP + BODY", skew
    return False, False, "signature matches no known secret", skew


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "clients-receiver"

    def log_message(self, fmt, *args):  # quiet: the JSON lines are the log
        pass

    def handle_any(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(min(length, MAX_BODY)) if length > 0 else b""
        if length > MAX_BODY:
            self.close_connection = True  # the rest is left unread
        headers = {k.lower(): v for k, v in self.headers.items()}
        verified, stale, detail, skew = verify(headers, body)
        with LOCK:
            COUNT[0] += 1
            record = {
                "n": COUNT[0],
                "received_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                "method": self.command,
                "path": self.path,
                "headers": headers,
                "body": body.decode("utf-8", "replace"),
                "webhook_id": headers.get("x-zendesk-webhook-id"),
                "verified": verified,
                "stale_secret_match": stale,
                "verify_detail": detail,
                "timestamp_skew_s": skew,
            }
            with open(LOG_FILE, "a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")
                f.flush()
        reply = b'{"ok":true}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    tmp = PORT_FILE + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, PORT_FILE)  # the port file appears whole or not at all
    server.serve_forever(poll_interval=0.2)
    server.server_close()


def self_check(url):
    hook = "01SE1FCHECK000000000000000"
    known = load_secrets()
    known[hook] = ["dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="]
    with open(SECRETS_FILE, "w", encoding="utf-8") as f:
        json.dump(known, f)
    headers = {
        "x-zendesk-webhook-id": hook,
        "x-zendesk-webhook-signature": "gf3v0LzLRHPUnIdhbvwRDVEvzSb07/QN0GYjSNlkBT0=",
        "x-zendesk-webhook-signature-timestamp": "2021-07-25T10:00:00Z",
        "content-type": "application/json",
    }
    for body in (b'{"say": "hello"}', b'{"say": "hullo"}'):
        req = urllib.request.Request(url + "/self-check", data=body, headers=headers, method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            if r.status != 200:
                sys.exit(f"self-check: the receiver answered {r.status}")
    with open(LOG_FILE, encoding="utf-8") as f:
        got = [r["verified"] for r in map(json.loads, f) if r.get("webhook_id") == hook]
    if got != [True, False]:
        sys.exit(f"self-check: known answer and changed body verified as {got}, expected [True, False]")


if __name__ == "__main__":
    if SELF_CHECK:
        self_check(PORT_FILE)
    else:
        main()
