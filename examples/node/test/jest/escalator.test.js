// Jest: `npx jest` (see jest.config.js).
const { start } = require('fakedesk');
const { startEscalator, urgentTicketFlow } = require('../../setup');

let fd;
let app;
beforeAll(async () => { fd = await start(); });
afterAll(async () => { await fd.stop(); });
beforeEach(async () => { await fd.reset(); app = await startEscalator(fd); });
afterEach(async () => { await app.stop(); });

test('an urgent ticket is escalated after a verified webhook', async () => {
  await urgentTicketFlow(fd, (ok, what) => expect({ what, ok }).toEqual({ what, ok: true }));
});

test('a failed expect rejects with the closest exchange', async () => {
  await expect(fd.expect('zendesk', { path: '/nowhere', within: '100ms' }))
    .rejects.toThrow('closest: #2 zendesk inbound POST /api/v2/triggers → 201');
});
