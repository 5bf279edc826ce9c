#!/usr/bin/env bash
# curl through fakedesk's proxy to each vendor's own hostname, with only
# --proxy and --cacert (as HTTPS_PROXY and CURL_CA_BUNDLE would give): each host
# is answered and journaled by its own fake; a host fakedesk does not fake gets
# a 502 saying so. Run by tests/clients/run.sh with fakedesk's env file sourced
# (FAKEDESK_PROXY_URL, FAKEDESK_CA_CERT, FAKEDESK_CONTROL_URL, FAKEDESK_ZENDESK_*).
# Prints one PASS/FAIL line per step; exits 1 if any failed.
set -uo pipefail
PYTHON="${PYTHON:-python3}"
failed=0

# The vendor of the journal's last entry.
last_vendor() {
  curl -sS "$FAKEDESK_CONTROL_URL/journal" | "$PYTHON" -c '
import json, sys
j = json.load(sys.stdin)
entries = j["entries"] if isinstance(j, dict) else j
print(entries[-1]["vendor"] if entries else "")'
}

through() { # expected-vendor url [curl args...]
  local want="$1" url="$2" code got
  shift 2
  code="$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 \
    --proxy "$FAKEDESK_PROXY_URL" --cacert "$FAKEDESK_CA_CERT" "$@" "$url")" || code="curl-failed"
  got="$(last_vendor)"
  if [ "$got" = "$want" ] && [ "$code" != 502 ] && [ "$code" != curl-failed ]; then
    echo "PASS curl-proxy $url: answered by fake $want (HTTP $code)"
  else
    echo "FAIL curl-proxy $url: HTTP $code, journaled by '$got', expected $want"
    failed=1
  fi
}

through zendesk "https://acme.zendesk.com/api/v2/tickets.json" \
  -u "$FAKEDESK_ZENDESK_EMAIL/token:$FAKEDESK_ZENDESK_TOKEN"
through braze "https://rest.iad-01.braze.com/users/track" -X POST -H 'content-type: application/json' -d '{}'
through braze "https://rest.fra-01.braze.eu/users/track" -X POST -H 'content-type: application/json' -d '{}'
through freshchat "https://api.freshchat.com/v2/agents"
through freshchat "https://acme.freshchat.com/v2/agents"
through blip "https://msging.net/commands" -X POST -H 'content-type: application/json' -d '{}'
through blip "https://mybot.http.msging.net/messages" -X POST -H 'content-type: application/json' -d '{}'
through smartsupp "https://api.smartsupp.com/v2/conversations/search" -X POST -H 'content-type: application/json' -d '{}'
through mammut "https://api.mammut.io/app:mammut-1/graph/user" -X POST -H 'content-type: application/json' -d '{}'
# Plain http through the proxy (absolute-form requests).
through zendesk "http://acme.zendesk.com/api/v2/tickets.json" \
  -u "$FAKEDESK_ZENDESK_EMAIL/token:$FAKEDESK_ZENDESK_TOKEN"

body="$(curl -sS --max-time 10 --proxy "$FAKEDESK_PROXY_URL" -w ' HTTP %{http_code}' http://example.com/)"
if [[ "$body" == *"does not fake"*"HTTP 502" ]] && [ "$(last_vendor)" = proxy ]; then
  echo "PASS curl-proxy a foreign host gets a journaled 502: $body"
else
  echo "FAIL curl-proxy a foreign host: $body"
  failed=1
fi
code="$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 --proxy "$FAKEDESK_PROXY_URL" \
  --cacert "$FAKEDESK_CA_CERT" https://example.com/ 2>/dev/null)"
if [ "$(last_vendor)" = proxy ] && [ "$code" != 200 ]; then
  echo "PASS curl-proxy CONNECT to a foreign host is refused and journaled"
else
  echo "FAIL curl-proxy CONNECT to a foreign host: HTTP $code"
  failed=1
fi
exit "$failed"
