'use strict';
// node's test runner: `node --test test/node/`.
const { test, before, after, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { start, ExpectationFailed } = require('fakedesk');
const { startEscalator, urgentTicketFlow } = require('../../setup');

let fd;
let app;
before(async () => { fd = await start(); });
after(async () => { await fd.stop(); });
beforeEach(async () => { await fd.reset(); app = await startEscalator(fd); });
afterEach(async () => { await app.stop(); });

test('an urgent ticket is escalated after a verified webhook', async () => {
  const id = await urgentTicketFlow(fd, assert.ok);
  const entries = await fd.journal({ vendor: 'zendesk' });
  assert.ok(entries.some((e) => e.method === 'PUT' && e.path === `/api/v2/tickets/${id}.json`));
});

test('a calm ticket is left alone', async () => {
  const { ticket } = await fd.send('zendesk', 'ticket_create', {
    ticket: { subject: 'A question about invoices', comment: { body: 'Where?' } },
  });
  await fd.expect('zendesk', { direction: 'outbound', path: '/hooks/zendesk', status: 200, within: '10s' });
  await fd.expect('zendesk', { method: 'PUT', path: `/api/v2/tickets/${ticket.id}.json`, count: 0, within: '300ms' });
});

test('a forged delivery is refused', async () => {
  const [hook] = (await fd.state('zendesk')).webhooks;
  const res = await fetch(`${app.url}/hooks/zendesk`, {
    method: 'POST',
    headers: {
      'x-zendesk-webhook-id': hook.id,
      'x-zendesk-webhook-signature-timestamp': '2026-01-01T00:00:00Z',
      'x-zendesk-webhook-signature': Buffer.from('forged'.repeat(5)).toString('base64'),
    },
    body: '{"ticket_id": "1", "subject": "urgent"}',
  });
  assert.equal(res.status, 401);
  await fd.expect('zendesk', { method: 'PUT', path: '/api/v2/tickets/*', count: 0, within: '200ms' });
});

test('a failed expect shows the closest exchange', async () => {
  await assert.rejects(
    fd.expect('zendesk', { method: 'POST', path: '/api/v2/triggers', body: { trigger: { title: 'Other' } }, within: '200ms' }),
    (e) => e instanceof ExpectationFailed
      && e.message.includes('closest: #2 zendesk inbound POST /api/v2/triggers → 201')
      && e.message.includes('body.trigger.title: expected "Other", got "New tickets to the escalator"'),
  );
});

test('credentials are keyed like the env file', () => {
  const creds = fd.credentials('zendesk');
  for (const key of ['email', 'token', 'password', 'oauth_token']) assert.ok(creds[key], key);
});

test('a scenario file runs with its own fakes', async () => {
  const run = await fd.runScenario(path.join(__dirname, '..', '..', 'ticket.yaml'));
  assert.match(run.stdout, /1 passed, 0 failed/);
});
