'use strict';
// What every test suite of the example shares: the integration running against
// fake Zendesk, which is set up (as an admin would, through the API) with a
// webhook to the integration and a trigger that notifies it of new tickets.
const { Escalator } = require('./escalator');

const PAYLOAD = '{"ticket_id": "{{ticket.id}}", "subject": "{{ticket.title}}"}';

async function startEscalator(fd) {
  const { email, token } = fd.credentials('zendesk');
  const app = await new Escalator({ zendeskUrl: fd.url('zendesk'), email, token }).start();
  const { webhook } = await app.zendesk('POST', '/api/v2/webhooks', {
    webhook: {
      name: 'Escalator', endpoint: `${app.url}/hooks/zendesk`, http_method: 'POST',
      request_format: 'json', status: 'active', subscriptions: ['conditional_ticket_events'],
    },
  });
  await app.zendesk('POST', '/api/v2/triggers', {
    trigger: {
      title: 'New tickets to the escalator',
      conditions: { all: [{ field: 'update_type', operator: 'is', value: 'Create' }] },
      actions: [{ field: 'notification_webhook', value: [webhook.id, PAYLOAD] }],
    },
  });
  return app;
}

/** An urgent ticket: the signed webhook is accepted and the ticket escalated. */
async function urgentTicketFlow(fd, assert) {
  const created = await fd.send('zendesk', 'ticket_create', {
    ticket: { subject: 'URGENT: checkout is down', comment: { body: 'Nobody can pay.' } },
  });
  const id = created.ticket.id;
  // 200: the integration answers 401 to a signature it cannot verify.
  const [delivery] = await fd.expect('zendesk', {
    direction: 'outbound', method: 'POST', path: '/hooks/zendesk',
    body: { ticket_id: String(id) }, status: 200, within: '10s',
  });
  assert(delivery.response.body.escalated === true, 'the delivery was escalated');
  await fd.expect('zendesk', { method: 'GET', path: '/api/v2/webhooks/*/signing_secret', status: 200 });
  await fd.expect('zendesk', {
    method: 'PUT', path: `/api/v2/tickets/${id}.json`,
    body: { ticket: { priority: 'urgent', tags: ['escalated'] } }, status: 200,
  });
  const { tickets } = await fd.state('zendesk');
  const ticket = tickets.find((t) => t.id === id);
  assert(ticket.priority === 'urgent' && ticket.tags.includes('escalated'), 'the ticket is urgent and tagged');
  return id;
}

module.exports = { startEscalator, urgentTicketFlow };
