#!/usr/bin/env node
// Drive fake Braze with the unmodified `braze-api` library (npm).
//
// Why braze-api: Braze publishes no official server-side REST client. Of the
// community ones on npm and PyPI, braze-api (braze-community/braze-node,
// about 85,000 downloads a month, still released) is by far the most used;
// the PyPI ones (braze-client and its forks) are small and have not been
// released in years. It covers POST /users/track and POST /users/export/ids,
// subscription groups, email lists, templates and transactional sends too,
// sends `Authorization: Bearer KEY`, and takes the REST endpoint as its first
// constructor argument, so pointing it at the fake needs no patch.
//
// Run by tests/clients/run.sh, which starts fakedesk, sources its env file
// (FAKEDESK_BRAZE_URL, FAKEDESK_BRAZE_API_KEY), resets the fake's state and
// sets NODE_PATH to the throwaway npm prefix. Prints one PASS/FAIL line per
// step and exits non-zero if any step failed.
'use strict';

const {Braze} = require('braze-api');

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const URL_ = env('FAKEDESK_BRAZE_URL');
const API_KEY = env('FAKEDESK_BRAZE_API_KEY');

const LIB = 'braze-api';
const failed = [];
const braze = new Braze(URL_, API_KEY);

function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

// Equal as JSON objects, whatever the key order.
const sorted = (o) => JSON.stringify(Object.fromEntries(Object.entries(o).sort()));
const sameJson = (a, b) => a !== null && typeof a === 'object' && sorted(a) === sorted(b);

async function step(name, fn) {
  try {
    await fn();
    console.log(`PASS ${LIB} ${name}`);
  } catch (error) {
    let detail = error && error.message ? error.message : String(error);
    if (error && error.status) detail += ` [HTTP ${error.status}] errors=${JSON.stringify(error.errors)}`;
    console.log(`FAIL ${LIB} ${name}: ${detail}`);
    if (process.env.CLIENTS_VERBOSE) console.error(error);
    failed.push(name);
  }
}

// braze-api's request(): `await response.json()`, then the parsed body when
// response.ok, else `throw new ResponseError(data.message, response.status,
// data.errors)`. ResponseError is not exported, hence the name check.
async function expectError(promise) {
  try {
    await promise;
  } catch (error) {
    check(error && error.constructor && error.constructor.name === 'ResponseError',
      `expected the library's ResponseError, got ${error && error.constructor && error.constructor.name}: ${error}`);
    return error;
  }
  throw new Error('the call succeeded');
}

const USER = 'fakedesk-client-user-1';
const EMAIL = 'bea.braze@example.test';

async function s1Track() {
  const reply = await braze.users.track({
    attributes: [{external_id: USER, email: EMAIL, first_name: 'Bea', plan: 'gold', logins: 3}],
    events: [{external_id: USER, name: 'rented_movie', time: '2022-12-06T19:20:45+01:00',
      properties: {release: {studio: 'FilmStudio', year: '2022'}}}],
    purchases: [{external_id: USER, product_id: 'backpack', currency: 'USD', price: 12.12, quantity: 2,
      time: '2017-05-12T18:47:12Z', properties: {color: 'red'}}],
  });
  const want = {message: 'success', attributes_processed: 1, events_processed: 1, purchases_processed: 1};
  check(sameJson(reply, want), `track reply ${JSON.stringify(reply)}, expected ${JSON.stringify(want)}`);
}

async function s2MinorErrors() {
  // An object without an identifier is a minor error: still 201 "success",
  // with `errors`, and the valid objects processed.
  const reply = await braze.users.track({
    attributes: [{external_id: USER, home_city: 'Lisbon'}, {first_name: 'Nobody'}],
  });
  check(reply.message === 'success', `message ${JSON.stringify(reply)}`);
  check(Array.isArray(reply.errors) && reply.errors.length === 1, `errors ${JSON.stringify(reply.errors)}`);
  const [e] = reply.errors;
  check(e.input_array === 'attributes' && e.index === 1 && typeof e.type === 'string' && e.type,
    `minor error ${JSON.stringify(e)}`);
}

async function s3BadKey() {
  const bad = new Braze(URL_, 'not-a-key-0000');
  const error = await expectError(bad.users.track({attributes: [{external_id: USER, first_name: 'X'}]}));
  check(error.status === 401, `status ${error.status}, expected 401`);
  check(typeof error.message === 'string' && /invalid api key/i.test(error.message), `message ${JSON.stringify(error.message)}`);
  // And nothing was written with it.
  const {users} = await braze.users.export.ids({external_ids: [USER], fields_to_export: ['first_name']});
  check(users.length === 1 && users[0].first_name === 'Bea', `first_name after the refused call: ${JSON.stringify(users)}`);
}

async function s4Fatal400() {
  const attributes = [...Array(76).keys()].map((i) => ({external_id: `bulk-${i}`, n: i}));
  const error = await expectError(braze.users.track({attributes}));
  check(error.status === 400, `status ${error.status}, expected 400`);
  check(error.message === 'Max Input Length Exceeded', `message ${JSON.stringify(error.message)}`);
}

async function s5Export() {
  const reply = await braze.users.export.ids({external_ids: [USER, 'nobody-here']});
  check(reply.message === 'success', `message ${JSON.stringify(reply)}`);
  check(Array.isArray(reply.users) && reply.users.length === 1, `users ${JSON.stringify(reply.users)}`);
  check(JSON.stringify(reply.invalid_user_ids) === JSON.stringify(['nobody-here']), `invalid_user_ids ${JSON.stringify(reply.invalid_user_ids)}`);
  const u = reply.users[0];
  check(u.external_id === USER && u.email === EMAIL && u.first_name === 'Bea' && u.home_city === 'Lisbon',
    `profile ${JSON.stringify(u)}`);
  check(typeof u.braze_id === 'string' && u.braze_id, `braze_id ${u.braze_id}`);
  check(u.custom_attributes && u.custom_attributes.plan === 'gold' && u.custom_attributes.logins === 3,
    `custom_attributes ${JSON.stringify(u.custom_attributes)}`);
  const ev = (u.custom_events || []).find((x) => x.name === 'rented_movie');
  check(ev && ev.count === 1 && typeof ev.first === 'string' && typeof ev.last === 'string',
    `custom_events ${JSON.stringify(u.custom_events)}`);
  check(Date.parse(ev.first) === Date.parse('2022-12-06T18:20:45Z'), `event first ${ev.first}`);
  const p = (u.purchases || []).find((x) => x.name === 'backpack');
  check(p && p.count === 2, `purchases ${JSON.stringify(u.purchases)}`);
  check(Math.abs(u.total_revenue - 24.24) < 1e-9, `total_revenue ${u.total_revenue}`);
  // fields_to_export narrows the user down.
  const narrow = await braze.users.export.ids({external_ids: [USER], fields_to_export: ['external_id', 'custom_events']});
  check(JSON.stringify(Object.keys(narrow.users[0]).sort()) === JSON.stringify(['custom_events', 'external_id']),
    `fields_to_export gave keys ${JSON.stringify(Object.keys(narrow.users[0]))}`);
}

// The default email subscription group of fake Braze.
const GROUP = '5ab5c41b-e000-4000-8000-00000000e4a1';

async function s6Subscriptions() {
  const set = await braze.subscription.status.set({subscription_group_id: GROUP,
    subscription_state: 'unsubscribed', external_id: [USER]});
  check(set.message === 'success', `set ${JSON.stringify(set)}`);
  // The library sends arrays as `external_id[]=`, as the doc shows.
  const got = await braze.subscription.status.get({subscription_group_id: GROUP, external_id: [USER, 'nobody-here']});
  check(got.status[USER] === 'Unsubscribed' && got.status['nobody-here'] === 'unknown',
    `status ${JSON.stringify(got)}`);
  const user = await braze.subscription.user.status({external_id: [USER]});
  const groups = user.users && user.users[0] && user.users[0].subscription_groups;
  check(user.total_count === 1 && groups.length === 1 && groups[0].id === GROUP && groups[0].status === 'Unsubscribed',
    `user status ${JSON.stringify(user)}`);
  const error = await expectError(braze.subscription.status.set({subscription_group_id: 'nope',
    subscription_state: 'subscribed', external_id: [USER]}));
  check(error.status === 400 && error.message === 'Invalid subscription group ID', `error ${error.status} ${error.message}`);
}

async function s7EmailLists() {
  const blocked = await braze.email.blacklist({email: [EMAIL]});
  check(blocked.message === 'success', `blacklist ${JSON.stringify(blocked)}`);
  const removed = await braze.email.bounce.remove({email: EMAIL});
  check(removed.message === 'success', `bounce remove ${JSON.stringify(removed)}`);
  const spam = await braze.email.spam.remove({email: [EMAIL]});
  check(spam.message === 'success', `spam remove ${JSON.stringify(spam)}`);
}

async function s8Templates() {
  const block = await braze.templates.content_blocks.create({name: 'client_footer', content: 'Bye {{${first_name}}}'});
  check(block.message === 'success' && block.liquid_tag === '{{content_blocks.${client_footer}}}' && block.content_block_id,
    `content block ${JSON.stringify(block)}`);
  const info = await braze.templates.content_blocks.get({content_block_id: block.content_block_id});
  check(info.name === 'client_footer' && info.content === 'Bye {{${first_name}}}', `info ${JSON.stringify(info)}`);
  const tpl = await braze.templates.email_templates.create({template_name: 'Client welcome', subject: 'Hi',
    body: '<p>{{content_blocks.${client_footer}}}</p>'});
  check(tpl.message === 'success' && tpl.email_template_id, `template ${JSON.stringify(tpl)}`);
  const upd = await braze.templates.email_templates.update({email_template_id: tpl.email_template_id, subject: 'Hello'});
  check(upd.message === 'success', `update ${JSON.stringify(upd)}`);
  const got = await braze.templates.email_templates.get({email_template_id: tpl.email_template_id});
  check(got.subject === 'Hello' && got.template_name === 'Client welcome', `template info ${JSON.stringify(got)}`);
  const list = await braze.templates.email_templates.list({limit: 10});
  check(list.count >= 1 && list.templates.some((t) => t.email_template_id === tpl.email_template_id), `list ${JSON.stringify(list)}`);
}

async function s9Transactional() {
  const made = await fetch(`${env('FAKEDESK_CONTROL_URL')}/braze/transactional_campaigns`, {
    method: 'POST', headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({id: 'client-receipt', name: 'Receipt', subject: 'Order {{event_properties.${order}}}', body: 'Thanks'}),
  });
  check(made.status === 201 || made.status === 422, `control ${made.status}`);
  // braze-api types `recipient` as an array; the doc has one object. Both work.
  const reply = await braze.transactional.v1.campaigns.send('client-receipt', {external_send_id: 'order-7',
    trigger_properties: {order: 7}, recipient: [{external_user_id: USER}]});
  check(typeof reply.dispatch_id === 'string' && reply.dispatch_id.length === 32 && reply.status === 'queued'
    && reply.metadata.external_send_id === 'order-7', `send ${JSON.stringify(reply)}`);
  const error = await expectError(braze.transactional.v1.campaigns.send('no-such-campaign',
    {recipient: [{external_user_id: USER}]}));
  check(error.status === 400 && error.message === 'Campaign does not exist', `error ${error.status} ${error.message}`);
}

(async () => {
  await step('1 users.track attributes + event + purchase -> 201 success, *_processed', s1Track);
  await step('2 users.track minor error -> success with errors[]', s2MinorErrors);
  await step('3 bad API key -> ResponseError 401', s3BadKey);
  await step('4 76 attributes -> ResponseError 400 Max Input Length Exceeded', s4Fatal400);
  await step('5 users.export.ids -> tracked user with event and purchase', s5Export);
  await step('6 subscription status set, get and user status; unknown group -> 400', s6Subscriptions);
  await step('7 email blacklist, bounce and spam remove -> success', s7EmailLists);
  await step('8 content block and email template create, update, info, list', s8Templates);
  await step('9 transactional send -> dispatch_id, queued; unknown campaign -> 400', s9Transactional);
  process.exit(failed.length > 0 ? 1 : 0);
})();
