"""A client of fakedesk's control API. Matching is done by fakedesk, not here."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, List, Mapping, Optional, Union

from ._binary import find_binary
from ._errors import FakedeskError

#: A journal entry, a vendor's state, an action's result: JSON as Python values.
Json = Any


class ExpectationFailed(AssertionError):
    """No exchange matched an :meth:`Fakedesk.expect` in time.

    The message is fakedesk's explanation: the closest exchange with each
    difference, then the latest traffic, as a failed scenario step shows it.
    An ``AssertionError``, so test runners report it as a test failure.
    """


def _duration(within: Union[str, float, int]) -> str:
    """``"2s"`` stays as is; a number is seconds."""
    if isinstance(within, str):
        return within
    return f"{int(round(float(within) * 1000))}ms"


class Fakedesk:
    """Talks to a running fakedesk through its control API.

    Built from the values ``fakedesk serve --env-file`` writes (``FAKEDESK_*``).
    Every request sends ``Content-Type: application/json`` and, when the env file
    has ``FAKEDESK_CONTROL_TOKEN``, ``Authorization: Bearer <token>``.
    """

    def __init__(self, env: Mapping[str, str], binary: Optional[str] = None):
        self._env: Dict[str, str] = dict(env)
        self._binary = binary

    def _load_env(self, env: Mapping[str, str]) -> None:
        self._env = dict(env)

    @property
    def env(self) -> Dict[str, str]:
        """Every ``FAKEDESK_*`` value of the env file (URLs and seeded credentials)."""
        return dict(self._env)

    @property
    def control_url(self) -> str:
        """The control API's base URL."""
        return self._env["FAKEDESK_CONTROL_URL"]

    # ------------------------------------------------------------------ plumbing

    def _request(self, method: str, path: str, body: Optional[Json] = None, timeout: float = 30.0) -> Json:
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(self.control_url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        req.add_header("Accept", "application/json")
        token = self._env.get("FAKEDESK_CONTROL_TOKEN")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as res:
                raw = res.read()
        except urllib.error.HTTPError as e:
            detail = e.read().decode("utf-8", errors="replace")
            raise FakedeskError(f"{method} {path}: {e.code} {detail}") from None
        except urllib.error.URLError as e:
            raise FakedeskError(f"{method} {path}: cannot reach fakedesk at {self.control_url}: {e.reason}") from None
        return json.loads(raw) if raw.strip() else None

    # ------------------------------------------------------------------ reading

    def url(self, vendor: str) -> str:
        """The base URL of a fake vendor, e.g. ``url("zendesk")`` → ``http://127.0.0.1:PORT``."""
        key = f"FAKEDESK_{vendor.upper()}_URL"
        if key not in self._env:
            known = sorted(k[len("FAKEDESK_"):-len("_URL")].lower() for k in self._env if k.endswith("_URL") and k != "FAKEDESK_CONTROL_URL")
            raise KeyError(f"unknown vendor {vendor!r}; known: {', '.join(known)}")
        return self._env[key]

    def credentials(self, vendor: str) -> Dict[str, str]:
        """The vendor's seeded credentials, keyed as the env file names them in lower
        case without ``FAKEDESK_<VENDOR>_``: for Zendesk ``email``, ``token``,
        ``password`` and ``oauth_token``; for Braze ``api_key``; and so on.
        """
        self.url(vendor)  # unknown vendors raise
        prefix = f"FAKEDESK_{vendor.upper()}_"
        return {k[len(prefix):].lower(): v for k, v in self._env.items() if k.startswith(prefix) and k != prefix + "URL"}

    def journal(self, vendor: Optional[str] = None, since: Optional[int] = None) -> List[Json]:
        """Every journal entry (oldest first) as dicts: ``seq``, ``vendor``,
        ``direction``, ``request``, ``response``, ...; only ``vendor``'s if given,
        only those with ``seq >= since`` if given. Pages are followed to the end.
        """
        entries: List[Json] = []
        cursor = since
        for _ in range(100_000):
            query = {k: v for k, v in (("vendor", vendor), ("since", cursor)) if v is not None}
            page = self._request("GET", "/journal" + ("?" + urllib.parse.urlencode(query) if query else ""))
            got = page.get("entries") or []
            entries.extend(got)
            following = page.get("next_since")
            if not got or following is None or following == cursor:
                break
            cursor = following
        return entries

    def state(self, vendor: str) -> Json:
        """The vendor's whole state, as ``GET /state/{vendor}`` shows it."""
        return self._request("GET", f"/state/{urllib.parse.quote(vendor)}")

    # ------------------------------------------------------------------ acting

    def reset(self) -> None:
        """Every vendor back to its seeded state, and the journal emptied."""
        self._request("POST", "/reset", {})

    def send(self, vendor: str, action: str, **with_: Json) -> Json:
        """A vendor acts, as a scenario's ``send`` step: ``send("zendesk",
        "ticket_create", ticket={...})`` posts ``with_`` to
        ``/{vendor}/actions/{action}`` and returns what the action returned.
        """
        path = f"/{urllib.parse.quote(vendor)}/actions/{urllib.parse.quote(action)}"
        return self._request("POST", path, with_)

    def expect(
        self,
        vendor: str,
        method: Optional[str] = None,
        path: Optional[str] = None,
        body: Optional[Json] = None,
        status: Optional[int] = None,
        within: Union[str, float] = "2s",
        *,
        direction: str = "inbound",
        query: Optional[Mapping[str, str]] = None,
        headers: Optional[Mapping[str, str]] = None,
        count: int = 1,
        since: Optional[int] = None,
    ) -> List[Json]:
        """Waits until the journal holds matching traffic, as a scenario's
        ``expect`` step (fakedesk matches, through ``POST /expect``).

        Args:
            vendor: whose traffic.
            method: HTTP method.
            path: the path without query; ``*`` matches any run of characters.
            body: a partial JSON match on the request body (objects need only the
                given keys, lists an item matching each given item).
            status: the response status.
            within: how long to wait: ``"500ms"``, ``"2s"``, or seconds.
            direction: ``"inbound"`` (called the fake) or ``"outbound"`` (the fake
                called out, e.g. a webhook delivery).
            query: query parameters that must be present.
            headers: request headers that must be present (names ignore case).
            count: how many exchanges must match; ``0`` expects none within.
            since: only entries with this ``seq`` or later.

        Returns:
            The matched exchanges: ``seq``, ``method``, ``path``, ``headers``,
            ``body``, ``status``, ``response``, ...

        Raises:
            ExpectationFailed: nothing matched in time; the message shows the
                closest exchange and its differences.
        """
        __tracebackhide__ = True  # pytest shows the caller's line, not this one
        ask: Dict[str, Json] = {"vendor": vendor, "direction": direction, "within": _duration(within), "count": count}
        for key, value in (("method", method), ("path", path), ("body", body), ("status", status), ("query", query), ("headers", headers), ("since", since)):
            if value is not None:
                ask[key] = dict(value) if isinstance(value, Mapping) and key in ("query", "headers") else value
        reply = self._request("POST", "/expect", ask, timeout=90.0)
        if not reply.get("matched"):
            raise ExpectationFailed(reply.get("message", "no matching exchange"))
        return list(reply.get("exchanges") or [])

    def run_scenario(self, path: Union[str, "os.PathLike[str]"], *args: str) -> "subprocess.CompletedProcess[str]":
        """Runs a scenario file or folder with ``fakedesk run`` (which starts its
        own fakes) and returns the finished process (``returncode`` 0: passed).

        Raises:
            ExpectationFailed: the scenario failed; the message is its report.
        """
        __tracebackhide__ = True
        exe = find_binary(self._binary)
        done = subprocess.run([exe, "run", str(path), *args], capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
        if done.returncode != 0:
            raise ExpectationFailed(f"fakedesk run {path} exited with {done.returncode}:\n{done.stdout}{done.stderr}")
        return done

