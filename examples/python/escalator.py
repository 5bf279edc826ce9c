"""A small Zendesk integration: a webhook receiver that escalates urgent tickets.

It does what it would do against Zendesk itself: it receives a trigger's webhook
delivery, fetches the webhook's signing secret from the Webhooks API (once, then
cached), verifies the signature (``base64(HMAC-SHA256(secret, timestamp + body))``,
as Zendesk documents it), and calls the Tickets API back: a ticket whose subject
says "urgent" gets priority urgent, the ``escalated`` tag and a private note.

- ``POST /hooks/zendesk`` takes ``{"ticket_id": "...", "subject": "..."}`` and
  answers ``{"escalated": true|false}``; a bad signature gets 401, a body it cannot
  read 400, a Zendesk call that fails 502.

Standard library only. ``Escalator(zendesk_url, email, token).start()`` listens on
127.0.0.1 on a port the OS picks (``.url``); ``.stop()`` stops it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Optional

NOTE = "Escalated automatically: the subject says urgent."


class Escalator:
    """The integration: Zendesk's address and API token, and its HTTP server."""

    def __init__(self, zendesk_url: str, email: str, token: str) -> None:
        self.zendesk_url = zendesk_url.rstrip("/")
        auth = base64.b64encode(f"{email}/token:{token}".encode()).decode()
        self._auth = f"Basic {auth}"
        self._secrets: Dict[str, str] = {}
        self._server: Optional[ThreadingHTTPServer] = None

    # -- Zendesk API ---------------------------------------------------------

    def zendesk(self, method: str, path: str, body: Optional[Any] = None) -> Any:
        """Calls the Zendesk API; returns the decoded JSON reply."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.zendesk_url + path, data=data, method=method)
        req.add_header("Authorization", self._auth)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10) as res:
            raw = res.read()
        return json.loads(raw) if raw else None

    def signing_secret(self, webhook_id: str) -> str:
        if webhook_id not in self._secrets:
            got = self.zendesk("GET", f"/api/v2/webhooks/{webhook_id}/signing_secret")
            self._secrets[webhook_id] = got["signing_secret"]["secret"]
        return self._secrets[webhook_id]

    def verified(self, headers: Any, body: bytes) -> bool:
        hook = headers.get("x-zendesk-webhook-id")
        signature = headers.get("x-zendesk-webhook-signature")
        timestamp = headers.get("x-zendesk-webhook-signature-timestamp")
        if not (hook and signature and timestamp):
            return False
        secret = self.signing_secret(hook)
        mac = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256)
        return hmac.compare_digest(base64.b64encode(mac.digest()).decode(), signature)

    def handle(self, headers: Any, body: bytes) -> "tuple[int, Dict[str, Any]]":
        """(status, reply) for one delivery."""
        try:
            if not self.verified(headers, body):
                return 401, {"error": "bad signature"}
        except (urllib.error.URLError, KeyError, ValueError) as e:
            return 502, {"error": f"cannot fetch the signing secret: {e}"}
        try:
            event = json.loads(body)
            ticket_id = int(event["ticket_id"])
            subject = str(event.get("subject", ""))
        except (ValueError, KeyError, TypeError) as e:
            return 400, {"error": f"unreadable delivery: {e}"}
        if "urgent" not in subject.lower():
            return 200, {"escalated": False}
        update = {"ticket": {"priority": "urgent", "tags": ["escalated"], "comment": {"body": NOTE, "public": False}}}
        try:
            self.zendesk("PUT", f"/api/v2/tickets/{ticket_id}.json", update)
        except urllib.error.URLError as e:
            return 502, {"error": f"Zendesk refused the update: {e}"}
        return 200, {"escalated": True}

    # -- HTTP server ---------------------------------------------------------

    def start(self) -> "Escalator":
        app = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(min(length, 1 << 20))
                if self.path != "/hooks/zendesk":
                    status, reply = 404, {"error": "not found"}
                else:
                    status, reply = app.handle(self.headers, body)
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
