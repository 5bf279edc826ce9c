'use strict';
/**
 * A small Zendesk integration: a webhook receiver that escalates urgent tickets.
 *
 * It does what it would do against Zendesk itself: it receives a trigger's
 * webhook delivery, fetches the webhook's signing secret from the Webhooks API
 * (once, then cached), verifies the signature
 * (base64(HMAC-SHA256(secret, timestamp + body)), as Zendesk documents it), and
 * calls the Tickets API back: a ticket whose subject says "urgent" gets priority
 * urgent, the `escalated` tag and a private note.
 *
 * POST /hooks/zendesk takes {"ticket_id": "...", "subject": "..."} and answers
 * {"escalated": true|false}; a bad signature gets 401, an unreadable body 400, a
 * Zendesk call that fails 502. Node's standard library only.
 */

const crypto = require('node:crypto');
const http = require('node:http');

const NOTE = 'Escalated automatically: the subject says urgent.';

class Escalator {
  constructor({ zendeskUrl, email, token }) {
    this.zendeskUrl = zendeskUrl.replace(/\/$/, '');
    this.auth = `Basic ${Buffer.from(`${email}/token:${token}`).toString('base64')}`;
    this.secrets = new Map();
    this.server = null;
  }

  /** Calls the Zendesk API; resolves to the decoded JSON reply. */
  async zendesk(method, path, body) {
    const headers = { authorization: this.auth };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.zendeskUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status}`);
    const text = await res.text();
    return text ? JSON.parse(text) : null;
  }

  async signingSecret(webhookId) {
    if (!this.secrets.has(webhookId)) {
      const got = await this.zendesk('GET', `/api/v2/webhooks/${webhookId}/signing_secret`);
      this.secrets.set(webhookId, got.signing_secret.secret);
    }
    return this.secrets.get(webhookId);
  }

  async verified(headers, body) {
    const hook = headers['x-zendesk-webhook-id'];
    const signature = headers['x-zendesk-webhook-signature'];
    const timestamp = headers['x-zendesk-webhook-signature-timestamp'];
    if (!hook || !signature || !timestamp) return false;
    const secret = await this.signingSecret(hook);
    const mac = crypto.createHmac('sha256', secret).update(timestamp).update(body).digest();
    const given = Buffer.from(String(signature), 'base64');
    return given.length === mac.length && crypto.timingSafeEqual(given, mac);
  }

  /** [status, reply] for one delivery. */
  async handle(headers, body) {
    try {
      if (!(await this.verified(headers, body))) return [401, { error: 'bad signature' }];
    } catch (e) {
      return [502, { error: `cannot fetch the signing secret: ${e.message}` }];
    }
    let ticketId;
    let subject;
    try {
      const event = JSON.parse(body.toString('utf8'));
      ticketId = Number.parseInt(event.ticket_id, 10);
      subject = String(event.subject || '');
      if (!Number.isFinite(ticketId)) throw new Error('ticket_id is not a number');
    } catch (e) {
      return [400, { error: `unreadable delivery: ${e.message}` }];
    }
    if (!subject.toLowerCase().includes('urgent')) return [200, { escalated: false }];
    try {
      await this.zendesk('PUT', `/api/v2/tickets/${ticketId}.json`, {
        ticket: { priority: 'urgent', tags: ['escalated'], comment: { body: NOTE, public: false } },
      });
    } catch (e) {
      return [502, { error: `Zendesk refused the update: ${e.message}` }];
    }
    return [200, { escalated: true }];
  }

  /** Listens on 127.0.0.1, on a port the OS picks. */
  start() {
    this.server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', async () => {
        const [status, reply] = req.method === 'POST' && req.url === '/hooks/zendesk'
          ? await this.handle(req.headers, Buffer.concat(chunks))
          : [404, { error: 'not found' }];
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply));
      });
    });
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve(this)));
  }

  get url() {
    return `http://127.0.0.1:${this.server.address().port}`;
  }

  stop() {
    return new Promise((resolve) => {
      this.server.closeAllConnections?.();
      this.server.close(() => resolve());
    });
  }
}

module.exports = { Escalator, NOTE };
