'use strict';
// The control-API client against a stub server: the headers every request
// carries, and a paged journal read to the end. No fakedesk binary needed.
// Run with `node --test npm/test/`.
const { test, before, after, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { Fakedesk, ExpectationFailed } = require('fakedesk');

const ENTRIES = [1, 2, 3, 4, 5].map((seq) => ({ seq, vendor: 'zendesk' }));
let server;
let url;
let seen = [];

before(async () => {
  server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method, path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
      let reply;
      if (req.method === 'GET') {
        const since = Number(new URL(req.url, 'http://x').searchParams.get('since') || 1);
        const page = ENTRIES.filter((e) => e.seq >= since).slice(0, 2);
        reply = { entries: page, next_since: page.length ? page[page.length - 1].seq + 1 : since };
      } else if (req.url === '/expect') {
        reply = { matched: false, message: 'closest: #1 zendesk inbound GET /x → 200' };
      } else {
        reply = { reset: [] };
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${server.address().port}`;
});
after(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => { seen = []; });

test('journal follows next_since until a page is empty', async () => {
  const fd = new Fakedesk({ FAKEDESK_CONTROL_URL: url });
  assert.deepEqual((await fd.journal()).map((e) => e.seq), [1, 2, 3, 4, 5]);
  assert.deepEqual(seen.map((r) => r.path), ['/journal', '/journal?since=3', '/journal?since=5', '/journal?since=6']);
  seen = [];
  assert.deepEqual((await fd.journal({ vendor: 'zendesk', since: 4 })).map((e) => e.seq), [4, 5]);
  assert.equal(seen[0].path, '/journal?vendor=zendesk&since=4');
});

test('every request is JSON and carries the control token when there is one', async () => {
  const fd = new Fakedesk({ FAKEDESK_CONTROL_URL: url, FAKEDESK_CONTROL_TOKEN: 't0k' });
  await fd.journal();
  await fd.reset();
  await assert.rejects(fd.expect('zendesk', { path: '/x', within: 0.5 }), ExpectationFailed);
  assert.ok(seen.length > 0);
  for (const r of seen) {
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers.authorization, 'Bearer t0k');
  }
  assert.deepEqual(JSON.parse(seen[seen.length - 1].body), { vendor: 'zendesk', direction: 'inbound', within: '500ms', count: 1, path: '/x' });
  seen = [];
  await new Fakedesk({ FAKEDESK_CONTROL_URL: url }).reset();
  assert.equal(seen[0].headers.authorization, undefined);
});

test('credentials are the env file names in lower case without the prefix', () => {
  const fd = new Fakedesk({
    FAKEDESK_CONTROL_URL: 'http://127.0.0.1:1',
    FAKEDESK_ZENDESK_URL: 'http://127.0.0.1:2',
    FAKEDESK_ZENDESK_EMAIL: 'admin@fakedesk.test',
    FAKEDESK_ZENDESK_OAUTH_TOKEN: 'o',
    FAKEDESK_ZENDESKX_URL: 'http://127.0.0.1:3',
  });
  assert.equal(fd.url('zendesk'), 'http://127.0.0.1:2');
  assert.deepEqual(fd.credentials('zendesk'), { email: 'admin@fakedesk.test', oauth_token: 'o' });
  assert.throws(() => fd.url('braze'), /known: zendesk, zendeskx/);
});
