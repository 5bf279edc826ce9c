#!/usr/bin/env node
// Drive the fake Zendesk with the unmodified `node-zendesk` library.
//
// Run by tests/clients/run.sh, which starts fakedesk, sources its env file
// (FAKEDESK_ZENDESK_URL, _EMAIL, _TOKEN, _PASSWORD, _OAUTH_TOKEN), resets the
// fake's state and sets NODE_PATH to the throwaway npm prefix. Prints one
// PASS/FAIL line per step and exits non-zero if any step failed.
//
// Steps 9 and 10 need the webhook receiver run.sh starts (receiver.py):
// CLIENTS_RECEIVER_URL, CLIENTS_RECEIVER_LOG (its JSON lines) and
// CLIENTS_RECEIVER_SECRETS (where we put the signing secrets node-zendesk
// reads, so the receiver can check signatures on its own).
'use strict';

const fs = require('fs');
const zendesk = require('node-zendesk');

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const URL_ = env('FAKEDESK_ZENDESK_URL');
const EMAIL = env('FAKEDESK_ZENDESK_EMAIL');
const TOKEN = env('FAKEDESK_ZENDESK_TOKEN');
const PASSWORD = env('FAKEDESK_ZENDESK_PASSWORD');
const OAUTH_TOKEN = env('FAKEDESK_ZENDESK_OAUTH_TOKEN');

// Base URL: node-zendesk builds `https://${subdomain}.zendesk.com/api/v2`
// unless the `endpointUri` option is given (src/clients/client.js
// _buildOptions: `options.endpointUri ?? this._getEndpointUri(...)`), and
// every request URL is `${endpointUri}/${path}.json` (helpers.js assembleUrl).
// So we only pass the documented option; nothing is patched.
const ENDPOINT = `${URL_}/api/v2`;

// throwOriginalException: keep the library's own error object (with
// statusCode and the parsed body in `result`) instead of the flattened
// `new Error("Request processing failed: ...")` that Client.request throws by
// default. Both are library behaviour; the former lets us check status + body.
const makeClient = (creds, extra = {}) =>
  zendesk.createClient({endpointUri: ENDPOINT, throwOriginalException: true, ...creds, ...extra});

const LIB = 'node-zendesk';
const failed = [];
const state = {};

function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function step(name, fn) {
  try {
    await fn();
    console.log(`PASS ${LIB} ${name}`);
  } catch (error) {
    let detail = error && error.message ? error.message : String(error);
    if (error && error.statusCode) detail += ` [HTTP ${error.statusCode}] ${JSON.stringify(error.result)}`;
    console.log(`FAIL ${LIB} ${name}: ${detail}`);
    if (process.env.CLIENTS_VERBOSE) console.error(error);
    failed.push(name);
  }
}

// Guard against a paging loop: the library's requestAll follows links.next /
// next_page with no bound of its own. A debug::request listener that throws
// aborts the request (Transporter.sendRequest emits it before fetching).
function guard(subClient, max, seen) {
  subClient.on('debug::request', (event) => {
    seen.push(`${event.detail.method} ${event.detail.uri}`);
    if (seen.length > max) throw new Error(`more than ${max} requests: ${seen.join(' | ')}`);
  });
}

const withTimeout = (promise, ms, what) =>
  Promise.race([
    promise,
    new Promise((_, reject) => {
      const t = setTimeout(() => reject(new Error(`${what}: no answer after ${ms} ms`)), ms);
      t.unref();
    }),
  ]);

const zc = makeClient({username: EMAIL, token: TOKEN});

async function s1Auth() {
  const {result: me} = await zc.users.me();
  check(me && me.email === EMAIL, `users.me email ${me && me.email}`);
  check(Number.isInteger(me.id), `users.me id ${me.id}`);
  state.me = me.id;
  // Same call with OAuth (Bearer) and with password (Basic email:password).
  const {result: meOauth} = await makeClient({token: OAUTH_TOKEN, oauth: true}).users.me();
  check(meOauth.id === me.id, 'OAuth users.me returned another user');
  const {result: mePw} = await makeClient({username: EMAIL, password: PASSWORD}).users.me();
  check(mePw.id === me.id, 'password users.me returned another user');
  // Bad credentials are refused with 401.
  let error;
  try {
    await makeClient({username: EMAIL, token: 'wrong-token'}).users.me();
  } catch (error_) {
    error = error_;
  }
  check(error, 'bad token was accepted');
  check(error.statusCode === 401, `bad token: expected 401, got ${error.statusCode}`);
}

async function s2Create() {
  const body = 'My printer is on fire!';
  const {response, result: t} = await zc.tickets.create({
    ticket: {
      subject: 'Help, printer fire',
      comment: {body},
      priority: 'urgent',
      requester: {name: 'Rita Requester', email: 'rita@example.test'},
    },
  });
  check(response.status === 201, `status code ${response.status}`);
  check(Number.isInteger(t.id) && t.id > 0, `ticket id ${t.id}`);
  check(t.status === 'new', `status ${t.status}`);
  check(t.description === body, `description ${JSON.stringify(t.description)}`);
  check(t.priority === 'urgent', `priority ${t.priority}`);
  check(t.requester_id && t.requester_id !== state.me, `requester_id ${t.requester_id}: requester {name,email} not used`);
  const {result: u} = await zc.users.show(t.requester_id);
  check(u.name === 'Rita Requester' && u.email === 'rita@example.test', `requester user is ${u.name} <${u.email}>`);
  state.ticket = t.id;
  state.body = body;
}

async function s3Show() {
  const {result: t} = await zc.tickets.show(state.ticket);
  check(t.id === state.ticket, `shown id ${t.id}`);
  check(t.subject === 'Help, printer fire', `subject ${t.subject}`);
  check(t.description === state.body, `description ${t.description}`);
}

async function s4Comment() {
  const second = 'Have you tried turning it off?';
  const {result: t} = await zc.tickets.update(state.ticket, {ticket: {comment: {body: second, public: true}}});
  check(t.id === state.ticket, 'update returned another ticket');
  const seen = [];
  const c = makeClient({username: EMAIL, token: TOKEN});
  guard(c.tickets, 10, seen);
  const comments = await c.tickets.getComments(state.ticket);
  const bodies = comments.map((x) => x.body);
  check(comments.length === 2, `${comments.length} comments: ${JSON.stringify(bodies)} via ${seen.join(' | ')}`);
  check(bodies[0] === state.body && bodies[1] === second, `bodies ${JSON.stringify(bodies)}`);
}

async function s5SolveClose() {
  let {result: t} = await zc.tickets.update(state.ticket, {ticket: {assignee_id: state.me, status: 'solved'}});
  check(t.status === 'solved', `status ${t.status}`);
  check(t.assignee_id === state.me, `assignee ${t.assignee_id}`);
  ({result: t} = await zc.tickets.update(state.ticket, {ticket: {status: 'closed'}}));
  check(t.status === 'closed', `status ${t.status} != closed`);
  let error;
  try {
    await zc.tickets.update(state.ticket, {ticket: {comment: {body: 'one more thing'}}});
  } catch (error_) {
    error = error_;
  }
  check(error, 'update of a closed ticket succeeded');
  check(error.statusCode === 422, `expected 422, got ${error.statusCode}`);
  const text = JSON.stringify(error.result);
  check(text.includes('closed prevents ticket update'), `error body lacks the text: ${text}`);
  // The default (flattened) error mode reports the status too.
  try {
    await makeClient({username: EMAIL, token: TOKEN}, {throwOriginalException: false}).tickets.update(state.ticket, {ticket: {subject: 'x'}});
    throw new Error('update of a closed ticket succeeded (default error mode)');
  } catch (error_) {
    check(/422/.test(error_.message), `default-mode error message: ${error_.message}`);
  }
}

async function s6Bulk() {
  const tickets = [...Array(5).keys()].map((i) => ({subject: `bulk ${i}`, comment: {body: `bulk body ${i}`}}));
  const {result} = await zc.tickets.createMany({tickets});
  const job = result && result.job_status;
  check(job && typeof job.id === 'string' && job.id, `createMany gave ${JSON.stringify(result)}`);
  check(job.total === 5, `job total ${job.total}`);
  // jobstatuses.watch polls GET job_statuses/{id} until completed|failed|killed;
  // it has no overall bound of its own, hence the timeout.
  const done = await withTimeout(zc.jobstatuses.watch(job.id, 200, 5), 20000, 'jobstatuses.watch');
  check(done.status === 'completed', `job ended ${done.status}`);
  const ids = (done.results || []).map((r) => r.id);
  check(ids.length === 5 && new Set(ids).size === 5, `result ids ${JSON.stringify(ids)}`);
  state.bulk = ids;
}

const expectedIds = () => [state.ticket, ...state.bulk].sort((a, b) => a - b);

function checkListing(tickets, seen) {
  const ids = tickets.map((t) => t.id);
  check(new Set(ids).size === ids.length, `duplicates in ${JSON.stringify(ids)}`);
  const got = [...ids].sort((a, b) => a - b);
  check(JSON.stringify(got) === JSON.stringify(expectedIds()),
    `saw ${JSON.stringify(got)}, created ${JSON.stringify(expectedIds())}; requests: ${seen.join(' | ')}`);
}

async function s7aOffset() {
  // node-zendesk's tickets.list()/listWithFilter() always add page[size]=100
  // to GET /tickets (EndpointChecker lists `tickets` as cursor-capable), so
  // offset paging is started with the library's generic getAll() on a full
  // URL (assembleUrl returns a URL that contains endpointUri unchanged);
  // Client.requestAll then follows next_page by itself.
  const seen = [];
  const c = makeClient({username: EMAIL, token: TOKEN});
  guard(c.tickets, 10, seen);
  const tickets = await c.tickets.getAll(`${ENDPOINT}/tickets.json?per_page=2`);
  checkListing(tickets, seen);
  check(seen.length === 3, `expected 3 page requests, made ${seen.length}: ${seen.join(' | ')}`);
}

async function s7bCursor() {
  // The `query` client option is merged last into every assembled URL
  // (assembleUrl), so it overrides the library's default page[size]=100.
  const seen = [];
  const c = makeClient({username: EMAIL, token: TOKEN}, {query: {page: {size: 2}}});
  guard(c.tickets, 10, seen);
  const tickets = await c.tickets.list();
  checkListing(tickets, seen);
  check(seen[0].includes('page%5Bsize%5D=2'), `first request ${seen[0]}`);
}

async function s8NotFound() {
  let error;
  try {
    await zc.tickets.show(987654321);
  } catch (error_) {
    error = error_;
  }
  check(error, 'unknown ticket did not fail');
  // node-zendesk has no RecordNotFound error class: it throws an Error with
  // statusCode 404 and message "Zendesk Error (404): Item not found", with
  // the parsed body in `result`.
  check(error.statusCode === 404, `statusCode ${error.statusCode}`);
  check(/Item not found/.test(error.message), `message ${error.message}`);
  check(error.result && error.result.error === 'RecordNotFound', `body ${JSON.stringify(error.result)}`);
}

// ---------------------------------------------------------------- webhooks
// node-zendesk 6.0.1 has a `webhooks` client (create, getSigningSecret,
// resetSigningSecret, ...; no `.json` suffix) and a `triggers` client, so
// every call below goes through them; no raw requests are needed.

const RECEIVER_URL = process.env.CLIENTS_RECEIVER_URL || '';
const RECEIVER_LOG = process.env.CLIENTS_RECEIVER_LOG || '';
const RECEIVER_SECRETS = process.env.CLIENTS_RECEIVER_SECRETS || '';
const HOOK_PATH = '/hook/node-zendesk';
const HOOK_TOKEN = 'node-zendesk-receiver-bearer-token';
const REQUESTER = 'walter@example.test';
// The documented example body (REFERENCE 1.10), Liquid placeholders in JSON.
const BODY_TEMPLATE = '{"ticket_id":"{{ticket.id}}","status":"{{ticket.status}}","requester":"{{ticket.requester.email}}"}';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Append a secret to the webhook's list in the receiver's secrets file.
function rememberSecret(hookId, secret) {
  let known = {};
  try {
    known = JSON.parse(fs.readFileSync(RECEIVER_SECRETS, 'utf8'));
  } catch {
    known = {};
  }
  (known[hookId] = known[hookId] || []).push(secret);
  fs.writeFileSync(`${RECEIVER_SECRETS}.tmp`, JSON.stringify(known));
  fs.renameSync(`${RECEIVER_SECRETS}.tmp`, RECEIVER_SECRETS);
}

function deliveries(hookId) {
  let text = '';
  try {
    text = fs.readFileSync(RECEIVER_LOG, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l)).filter((r) => r.webhook_id === hookId);
}

// Poll the receiver's log until `want` deliveries of the webhook are there (at
// most `timeoutMs`), then `graceMs` more, so that extra ones show.
async function waitDeliveries(hookId, want, timeoutMs = 15000, graceMs = 1000) {
  const deadline = Date.now() + timeoutMs;
  while (deliveries(hookId).length < want && Date.now() < deadline) await sleep(100);
  await sleep(graceMs);
  const got = deliveries(hookId);
  check(got.length === want,
    `receiver got ${got.length} deliveries of webhook ${hookId}, expected ${want}: ${JSON.stringify(got.map((d) => [d.method, d.path, d.body]))}`);
  return got;
}

function checkDelivery(d, hookId, ticketId) {
  const h = d.headers;
  check(d.method === 'POST' && d.path === HOOK_PATH, `request ${d.method} ${d.path}`);
  check(d.verified, `signature not verified: ${d.verify_detail}`);
  check(h.authorization === `Bearer ${HOOK_TOKEN}`, `authorization header ${h.authorization}`);
  check(h['x-zendesk-webhook-id'] === hookId, `webhook id header ${h['x-zendesk-webhook-id']}`);
  check(/^[0-9A-HJKMNP-TV-Z]{26}$/.test(h['x-zendesk-webhook-invocation-id'] || ''), `invocation id ${h['x-zendesk-webhook-invocation-id']}`);
  check(/^\d+$/.test(h['x-zendesk-account-id'] || ''), `account id ${h['x-zendesk-account-id']}`);
  check((h['content-type'] || '').startsWith('application/json'), `content-type ${h['content-type']}`);
  check(d.timestamp_skew_s !== null && Math.abs(d.timestamp_skew_s) < 300,
    `signature timestamp ${h['x-zendesk-webhook-signature-timestamp']} (skew ${d.timestamp_skew_s})`);
  const body = JSON.parse(d.body);
  const want = {ticket_id: String(ticketId), status: 'Solved', requester: REQUESTER};
  check(JSON.stringify(body) === JSON.stringify(want), `rendered body ${d.body} != ${JSON.stringify(want)}`);
}

async function s9WebhookTrigger() {
  check(RECEIVER_URL && RECEIVER_LOG && RECEIVER_SECRETS, 'no webhook receiver (CLIENTS_RECEIVER_* unset)');
  const {response, result: hook} = await zc.webhooks.create({
    webhook: {
      name: 'node-zendesk solved tickets',
      endpoint: RECEIVER_URL + HOOK_PATH,
      http_method: 'POST',
      request_format: 'json',
      status: 'active',
      subscriptions: ['conditional_ticket_events'],
      authentication: {type: 'bearer_token', data: {token: HOOK_TOKEN}, add_position: 'header'},
    },
  });
  check(response.status === 201, `webhooks.create status ${response.status}`);
  check(typeof hook.id === 'string' && hook.id.length === 26, `webhook id ${hook.id} is not a ULID`);
  check(JSON.stringify(hook.authentication) === JSON.stringify({add_position: 'header', type: 'bearer_token'}),
    `authentication echoed as ${JSON.stringify(hook.authentication)} (data must stay write-only)`);
  const {result: shown} = await zc.webhooks.getSigningSecret(hook.id);
  const secret = shown && shown.signing_secret;
  check(secret && secret.algorithm === 'SHA256' && secret.secret, `signing secret ${JSON.stringify(shown)}`);
  rememberSecret(hook.id, secret.secret);
  state.hook = hook.id;
  state.secret = secret.secret;

  const action = {field: 'notification_webhook', value: [hook.id, BODY_TEMPLATE]};
  const {response: tr, result: trig} = await zc.triggers.create({
    trigger: {
      title: 'Notify when solved',
      conditions: {all: [{field: 'status', operator: 'value', value: 'solved'}], any: []},
      actions: [action],
    },
  });
  check(tr.status === 201, `triggers.create status ${tr.status}`);
  check(Number.isInteger(trig.id) && trig.active === true, `trigger ${JSON.stringify(trig)}`);
  check(JSON.stringify(trig.actions) === JSON.stringify([action]), `trigger actions ${JSON.stringify(trig.actions)}`);
  const listed = (await zc.triggers.list()).map((t) => t.id);
  check(JSON.stringify(listed) === JSON.stringify([trig.id]), `triggers.list gave ${JSON.stringify(listed)}`);

  const {result: t} = await zc.tickets.create({
    ticket: {subject: 'Webhook me', comment: {body: 'please solve'}, requester: {name: 'Walter Webhook', email: REQUESTER}},
  });
  state.hookTicket = t.id;
  await sleep(500);
  check(deliveries(hook.id).length === 0, 'a delivery came before the ticket was solved');
  const {result: solved} = await zc.tickets.update(t.id, {ticket: {assignee_id: state.me, status: 'solved'}});
  check(solved.status === 'solved', `status ${solved.status}`);
  const [d] = await waitDeliveries(hook.id, 1);
  checkDelivery(d, hook.id, t.id);
}

async function s10ResetSecret() {
  const {response, result} = await zc.webhooks.resetSigningSecret(state.hook);
  const secret = result && result.signing_secret;
  check(response.status === 200 || response.status === 201, `resetSigningSecret status ${response.status}`);
  check(secret && secret.algorithm === 'SHA256' && secret.secret, `reset signing secret ${JSON.stringify(result)}`);
  check(secret.secret !== state.secret, 'resetSigningSecret returned the old secret');
  const {result: shown} = await zc.webhooks.getSigningSecret(state.hook);
  check(shown.signing_secret.secret === secret.secret, 'getSigningSecret after reset is not the new secret');
  rememberSecret(state.hook, secret.secret);
  // Reopen (no delivery: the condition is "status changed TO solved"), then
  // solve again: one more delivery, signed with the new secret.
  let {result: t} = await zc.tickets.update(state.hookTicket, {ticket: {status: 'open'}});
  check(t.status === 'open', `status ${t.status} != open`);
  ({result: t} = await zc.tickets.update(state.hookTicket, {ticket: {status: 'solved'}}));
  check(t.status === 'solved', `status ${t.status} != solved`);
  const [first, second] = await waitDeliveries(state.hook, 2);
  check(!second.stale_secret_match, 'the delivery after the reset is signed with the OLD secret');
  checkDelivery(second, state.hook, state.hookTicket);
  check(second.headers['x-zendesk-webhook-invocation-id'] !== first.headers['x-zendesk-webhook-invocation-id'], 'invocation id reused');
}

(async () => {
  await step('1 auth (token; oauth + password users.me; bad token 401)', s1Auth);
  await step('2 create ticket', s2Create);
  const dependent = [
    ['3 show ticket', s3Show],
    ['4 add comment + list comments', s4Comment],
    ['5 assign+solve, close, update closed -> 422', s5SolveClose],
  ];
  for (const [name, fn] of dependent) {
    if (state.ticket) await step(name, fn);
    else {
      console.log(`FAIL ${LIB} ${name}: no ticket (step 2 failed)`);
      failed.push(name);
    }
  }
  await step('6 createMany + jobstatuses.watch', s6Bulk);
  for (const [name, fn] of [
    ['7a list tickets, offset pagination per_page=2', s7aOffset],
    ['7b list tickets, cursor pagination page[size]=2', s7bCursor],
  ]) {
    if (state.ticket && state.bulk) await step(name, fn);
    else {
      console.log(`FAIL ${LIB} ${name}: tickets missing (step 2 or 6 failed)`);
      failed.push(name);
    }
  }
  await step('8 unknown ticket -> 404 RecordNotFound', s8NotFound);
  await step("9 webhook (bearer) + trigger 'solved' -> one signed delivery", s9WebhookTrigger);
  if (state.hookTicket) await step('10 reset signing secret -> next delivery verifies with it', s10ResetSecret);
  else {
    console.log(`FAIL ${LIB} 10 reset signing secret: no webhook (step 9 failed)`);
    failed.push('10 reset signing secret');
  }
  process.exit(failed.length > 0 ? 1 : 0);
})();
