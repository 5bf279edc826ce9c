#!/usr/bin/env node
// Drive fake Take Blip with the unmodified `blip-sdk` client and its HTTP transport,
// `lime-transport-http` (both npm, both published by Take, Blip's maker).
//
// Why these: blip-sdk is Blip's official JavaScript SDK (ClientBuilder, Client,
// sendCommand/sendMessage); it is transport-agnostic, and lime-transport-http is
// Take's LIME transport over Blip's HTTP API: it POSTs commands to /commands (the
// JSON reply is the command response the SDK resolves or rejects), messages to
// /messages and notifications to /notifications, with `Authorization: Key ...`. It
// plays the LIME session locally (no session envelope goes on the wire) and
// answers /presence and /receipt itself. It also polls /messages/inbox and
// /notifications/inbox: the main client's interval is longer than the flow, and
// a second client polls every 200 ms to receive the end-of-attendance redirect.
//
// The key: the transport sends `Key ` followed by the session's key as given, so
// the builder gets the bot's whole authorization key (FAKEDESK_BLIP_KEY, the value
// Blip's portal shows for the HTTP API), not the raw access key the websocket
// transport takes.
//
// The flow is the attendance platform's part of the custom attendance channel:
// a customer is handed over (by fake Blip itself, on the control API), then the
// library assigns an agent (change-status Open), sends the agent's message to the
// ticket, closes the ticket (ClosedAttendant), tries to reopen it (a LIME failure
// with the closed-ticket code) and messages an unknown ticket (a failed
// notification with code 42). sendMessage is fire-and-forget in the SDK, so what
// the messages did is read back from the fake's state.
//
// Run by tests/clients/run.sh, which starts fakedesk, sources its env file
// (FAKEDESK_BLIP_URL, FAKEDESK_BLIP_BOT, FAKEDESK_BLIP_KEY, FAKEDESK_CONTROL_URL),
// resets the fake's state and sets NODE_PATH to the throwaway npm prefix. Prints
// one PASS/FAIL line per step and exits non-zero if any step failed.
'use strict';

const BlipSdk = require('blip-sdk');
const HttpTransport = require('lime-transport-http');

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const BLIP_URL = new URL(env('FAKEDESK_BLIP_URL'));
const BOT = env('FAKEDESK_BLIP_BOT');
const KEY = env('FAKEDESK_BLIP_KEY');
const CONTROL = env('FAKEDESK_CONTROL_URL').replace(/\/$/, '');

const LIB = 'blip-sdk';
const DESK = 'postmaster@desk.msging.net';
const AGENT = 'ana%40example.com@blip.ai';
const CUSTOMER = '5511912345678@wa.gw.msging.net';
const failed = [];

function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function step(name, fn) {
  try {
    await fn();
    console.log(`PASS ${LIB} ${name}`);
  } catch (error) {
    const detail = error && error.message ? error.message : String(error);
    console.log(`FAIL ${LIB} ${name}: ${detail}`);
    if (process.env.CLIENTS_VERBOSE) console.error(error);
    failed.push(name);
  }
}

function client(key) {
  return new BlipSdk.ClientBuilder()
    .withIdentifier(BOT)
    .withAccessKey(key)
    .withScheme(BLIP_URL.protocol.replace(':', ''))
    .withHostName(BLIP_URL.hostname)
    .withPort(Number(BLIP_URL.port))
    .withCommandTimeout(5000)
    .withTransportFactory(() => new HttpTransport({pollingInterval: 3600 * 1000}))
    .build();
}

// The control API (fake Blip acting on its own, and its state), with fetch.
async function control(method, path, body) {
  const response = await fetch(`${CONTROL}${path}`, {
    method,
    headers: body ? {'content-type': 'application/json'} : {},
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10000),
  });
  const text = await response.text();
  check(response.ok, `control ${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

// Polls the fake's state until `pred` holds (5 s at most); the last state.
async function stateUntil(pred, what) {
  let state = null;
  for (let i = 0; i < 50; i += 1) {
    state = await control('GET', '/state/blip');
    if (pred(state)) return state;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}; state: ${JSON.stringify(state).slice(0, 800)}`);
}

// The rejection of a failed command: the SDK's ClientError, whose message is the
// command response as JSON (transpiled to ES5, it comes out as an Error with an
// empty name).
async function expectFailure(promise) {
  try {
    await promise;
  } catch (error) {
    check(error instanceof Error && error.name === '', `expected the SDK's ClientError, got ${error}`);
    return JSON.parse(error.message);
  }
  throw new Error('the command succeeded');
}

const changeStatus = (id, resource) => ({
  id,
  to: DESK,
  method: 'set',
  uri: '/tickets/change-status',
  type: 'application/vnd.iris.ticket+json',
  resource,
});

let bot = null;
let ticket = null;

async function s1Connect() {
  bot = client(KEY);
  const session = await bot.connect();
  check(session && session.state === 'established', `session ${JSON.stringify(session)}`);
  const handoff = await control('POST', '/blip/actions/handoff', {customer: CUSTOMER, text: 'I need a human'});
  ticket = handoff.ticket && handoff.ticket.id;
  check(typeof ticket === 'string' && ticket, `handoff ${JSON.stringify(handoff)}`);
  check(handoff.ticket.status === 'Waiting', `new ticket status ${handoff.ticket.status}`);
}

async function s2Assign() {
  const reply = await bot.sendCommand(changeStatus('sdk-assign-1', {id: ticket, status: 'Open', agentIdentity: AGENT}));
  check(reply.id === 'sdk-assign-1' && reply.method === 'set' && reply.status === 'success',
    `reply ${JSON.stringify(reply)}`);
  check(reply.to === `${BOT}@msging.net` || String(reply.to).startsWith(`${BOT}@msging.net`), `reply.to ${reply.to}`);
  const state = await control('GET', '/state/blip');
  const t = state.tickets[ticket];
  check(t && t.status === 'Open' && t.agentIdentity === AGENT && t.closed === false, `ticket ${JSON.stringify(t)}`);
}

async function s3Message() {
  const text = 'Olá, vou continuar com seu atendimento! 🙂';
  bot.sendMessage({id: 'sdk-msg-1', to: `${ticket}@desk.msging.net/Webhook`, type: 'text/plain', content: text});
  await stateUntil((s) => (s.tickets[ticket].transcript || []).some(
    (l) => l.id === 'sdk-msg-1' && l.direction === 'sent' && l.content === text),
  'the agent message is not in the ticket transcript');
}

async function s4Close() {
  const reply = await bot.sendCommand(changeStatus('sdk-close-1', {id: ticket, status: 'ClosedAttendant'}));
  check(reply.id === 'sdk-close-1' && reply.status === 'success', `reply ${JSON.stringify(reply)}`);
  const state = await control('GET', '/state/blip');
  const t = state.tickets[ticket];
  check(t.status === 'ClosedAttendant' && t.closed === true, `ticket ${JSON.stringify(t)}`);
}

async function s5Reopen() {
  const reply = await expectFailure(bot.sendCommand(
    changeStatus('sdk-reopen-1', {id: ticket, status: 'Open', agentIdentity: AGENT})));
  check(reply.id === 'sdk-reopen-1' && reply.method === 'set' && reply.status === 'failure',
    `reply ${JSON.stringify(reply)}`);
  check(reply.reason && reply.reason.code === 66 && typeof reply.reason.description === 'string',
    `reason ${JSON.stringify(reply.reason)}, expected code 66 (the closed-ticket code)`);
  const state = await control('GET', '/state/blip');
  check(state.tickets[ticket].status === 'ClosedAttendant', `status ${state.tickets[ticket].status}`);
}

async function s6UnknownTicket() {
  const unknown = '00000000-0000-0000-0000-000000000000';
  bot.sendMessage({id: 'sdk-msg-2', to: `${unknown}@desk.msging.net/Webhook`, type: 'text/plain', content: 'Hello?'});
  const state = await stateUntil((s) => (s.failed || []).some((n) => n.id === 'sdk-msg-2'),
    'no failed notification for the message to an unknown ticket');
  const note = state.failed.find((n) => n.id === 'sdk-msg-2');
  check(note.event === 'failed' && note.reason && note.reason.code === 42,
    `notification ${JSON.stringify(note)}, expected event failed with code 42`);
  check(!Object.values(state.tickets).some((t) => (t.transcript || []).some((l) => l.id === 'sdk-msg-2')),
    'the message reached a ticket');
}

async function s8Inbox() {
  const poller = new BlipSdk.ClientBuilder()
    .withIdentifier(BOT)
    .withAccessKey(KEY)
    .withScheme(BLIP_URL.protocol.replace(':', ''))
    .withHostName(BLIP_URL.hostname)
    .withPort(Number(BLIP_URL.port))
    .withTransportFactory(() => new HttpTransport({pollingInterval: 200}))
    .build();
  const got = new Promise((resolve) => {
    poller.addMessageReceiver((m) => m.type === 'application/vnd.lime.redirect+json', (m) => resolve(m));
  });
  await poller.connect();
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('no redirect polled within 5 s')), 5000));
  const m = await Promise.race([got, timeout]);
  const context = m.content && m.content.context && m.content.context.value;
  check(context && context.id === ticket && context.status === 'ClosedAttendant', `redirect ${JSON.stringify(m)}`);
  // The SDK acknowledges what it received: its notifications reach the fake.
  await stateUntil((s) => (s.notifications || []).some((n) => n.id === m.id && n.event === 'consumed'),
    'no consumed notification for the polled redirect');
  await poller.close().catch(() => {});
}

async function s9Extensions() {
  const contact = await bot.sendCommand({id: 'sdk-crm-1', to: 'postmaster@crm.msging.net', method: 'get',
    uri: `/contacts/${CUSTOMER}`});
  check(contact.status === 'success' && contact.resource.identity === CUSTOMER, `contact ${JSON.stringify(contact)}`);
  await bot.sendCommand({id: 'sdk-bucket-1', method: 'set', uri: '/buckets/sdk-doc', type: 'application/json',
    resource: {step: 9}});
  const doc = await bot.sendCommand({id: 'sdk-bucket-2', method: 'get', uri: '/buckets/sdk-doc'});
  check(doc.resource && doc.resource.step === 9, `bucket ${JSON.stringify(doc)}`);
  const thread = await bot.sendCommand({id: 'sdk-thread-1', method: 'get', uri: `/threads/${CUSTOMER}`});
  const ids = thread.resource.items.map((i) => i.id);
  check(ids[0] === 'sdk-msg-1' && thread.resource.total === 2, `thread ${JSON.stringify(thread.resource)}`);
  const missing = await expectFailure(bot.sendCommand({id: 'sdk-bucket-3', method: 'get', uri: '/buckets/none'}));
  check(missing.reason && missing.reason.code === 67, `missing bucket ${JSON.stringify(missing)}`);
}

async function s7BadKey() {
  const intruder = client('bm90LWEta2V5');
  await intruder.connect();
  let sessionFailure = null;
  intruder.sessionPromise.catch((s) => { sessionFailure = s; });
  const reply = await expectFailure(intruder.sendCommand(
    changeStatus('sdk-intruder-1', {id: ticket, status: 'Open', agentIdentity: AGENT}), 2000));
  check(reply.timeout === true, `reply ${JSON.stringify(reply)}`);
  check(sessionFailure && sessionFailure.state === 'failed', `session ${JSON.stringify(sessionFailure)}`);
}

(async () => {
  await step('1 connect over HTTP (Key auth), customer handed over -> Waiting ticket', s1Connect);
  if (bot && ticket) {
    await step('2 sendCommand change-status Open + agentIdentity -> success, ticket Open', s2Assign);
    await step('3 sendMessage to {ticket}@desk.msging.net/Webhook -> in the transcript', s3Message);
    await step('4 sendCommand change-status ClosedAttendant -> success, ticket closed', s4Close);
    await step('5 reopen the closed ticket -> ClientError, failure code 66', s5Reopen);
    await step('6 sendMessage to an unknown ticket -> failed notification code 42', s6UnknownTicket);
    await step('7 wrong key -> 401, session failed', s7BadKey);
    await step('8 a second client polls /messages/inbox -> the end-of-attendance redirect', s8Inbox);
    await step('9 contact, bucket and thread commands -> the customer, the document, the exchanged messages', s9Extensions);
  }
  process.exit(failed.length > 0 ? 1 : 0);
})();
