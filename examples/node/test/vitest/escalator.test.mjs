// Vitest: `npx vitest run` (see vitest.config.mjs). The ESM entry of fakedesk.
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'vitest';
import { start, ExpectationFailed } from 'fakedesk';
import setup from '../../setup.js';

let fd;
let app;
beforeAll(async () => { fd = await start(); });
afterAll(async () => { await fd.stop(); });
beforeEach(async () => { await fd.reset(); app = await setup.startEscalator(fd); });
afterEach(async () => { await app.stop(); });

test('an urgent ticket is escalated after a verified webhook', async () => {
  await setup.urgentTicketFlow(fd, (ok, what) => expect({ what, ok }).toEqual({ what, ok: true }));
});

test('a failed expect rejects with ExpectationFailed', async () => {
  await expect(fd.expect('zendesk', { path: '/nowhere', within: '100ms' })).rejects.toBeInstanceOf(ExpectationFailed);
});
