// Type-checked (not run) by `tsc --noEmit --strict`: the declarations fit how the
// module is used, and reject what it does not take.
import { start, ExpectationFailed, type ExpectOptions, type MatchedExchange, type Server } from 'fakedesk';

const fd: Server = await start({ config: 'fakedesk.yaml', args: ['--no-rate-limits'], timeout: 10000 });
const url: string = fd.url('zendesk');
const creds: Record<string, string> = fd.credentials('zendesk');
const options: ExpectOptions = { direction: 'outbound', method: 'POST', path: '/hooks/*', body: { a: [1] }, status: 200, within: 2 };
const matched: MatchedExchange[] = await fd.expect('zendesk', options);
const seq: number = matched[0].seq;
const entries = await fd.journal({ vendor: 'zendesk', since: seq });
const more = await fd.journal('zendesk');
await fd.send('zendesk', 'ticket_create', { ticket: { subject: 'Hi' } });
await fd.reset();
const run = await fd.runScenario('ticket.yaml');
const failed: Error = new ExpectationFailed('x');
// @ts-expect-error `direction` is inbound or outbound
await fd.expect('zendesk', { direction: 'sideways' });
// @ts-expect-error credentials are strings
const n: number = fd.credentials('zendesk').token;
await fd.stop();
export { url, creds, entries, more, run, failed, n };
