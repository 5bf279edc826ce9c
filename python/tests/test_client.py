"""The control-API client against a stub server: the headers every request carries,
and a paged journal read to the end. No fakedesk binary needed."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from fakedesk import Fakedesk

# The journal, paged two entries at a time as a server with a small `limit` pages it.
ENTRIES = [{"seq": n, "vendor": "zendesk"} for n in range(1, 6)]


@pytest.fixture
def stub() -> Iterator[Tuple[str, List[Dict[str, Any]]]]:
    seen: List[Dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, body: Any) -> None:
            length = int(self.headers.get("content-length") or 0)
            seen.append({"method": self.command, "path": self.path, "headers": dict(self.headers.items()),
                         "body": self.rfile.read(length) if length else b""})
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(self.path).query))
            since = int(query.get("since", "1"))
            page = [e for e in ENTRIES if e["seq"] >= since][:2]
            self._reply({"entries": page, "next_since": page[-1]["seq"] + 1 if page else since})

        def do_POST(self) -> None:  # noqa: N802
            self._reply({"matched": True, "exchanges": []} if self.path == "/expect" else {"reset": []})

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_journal_follows_next_since_until_a_page_is_empty(stub: Tuple[str, List[Dict[str, Any]]]) -> None:
    url, seen = stub
    fd = Fakedesk({"FAKEDESK_CONTROL_URL": url})
    assert [e["seq"] for e in fd.journal()] == [1, 2, 3, 4, 5]
    assert [r["path"] for r in seen] == ["/journal", "/journal?since=3", "/journal?since=5", "/journal?since=6"]
    seen.clear()
    assert [e["seq"] for e in fd.journal(vendor="zendesk", since=4)] == [4, 5]
    assert seen[0]["path"] == "/journal?vendor=zendesk&since=4"


def test_every_request_is_json_and_carries_the_control_token_when_there_is_one(
    stub: Tuple[str, List[Dict[str, Any]]],
) -> None:
    url, seen = stub
    with_token = Fakedesk({"FAKEDESK_CONTROL_URL": url, "FAKEDESK_CONTROL_TOKEN": "t0k"})
    with_token.journal()
    with_token.reset()
    with_token.expect("zendesk", path="/x", within=0.5)
    assert seen and all(r["headers"].get("Content-Type") == "application/json" for r in seen)
    assert all(r["headers"].get("Authorization") == "Bearer t0k" for r in seen)
    assert json.loads(seen[-1]["body"]) == {"vendor": "zendesk", "direction": "inbound", "within": "500ms",
                                            "count": 1, "path": "/x"}
    seen.clear()
    Fakedesk({"FAKEDESK_CONTROL_URL": url}).reset()
    assert "Authorization" not in seen[0]["headers"]


def test_credentials_are_the_env_file_names_in_lower_case_without_the_prefix() -> None:
    fd = Fakedesk({
        "FAKEDESK_CONTROL_URL": "http://127.0.0.1:1",
        "FAKEDESK_ZENDESK_URL": "http://127.0.0.1:2",
        "FAKEDESK_ZENDESK_EMAIL": "admin@fakedesk.test",
        "FAKEDESK_ZENDESK_OAUTH_TOKEN": "o",
        "FAKEDESK_ZENDESKX_URL": "http://127.0.0.1:3",
    })
    assert fd.url("zendesk") == "http://127.0.0.1:2"
    assert fd.credentials("zendesk") == {"email": "admin@fakedesk.test", "oauth_token": "o"}
    with pytest.raises(KeyError, match="known: zendesk, zendeskx"):
        fd.url("braze")
