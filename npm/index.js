'use strict';
/**
 * fakedesk for Node: starts the bundled `fakedesk serve` on OS-chosen ports and
 * talks to its control API. Matching of traffic is done by fakedesk itself
 * (`POST /expect`), not here.
 *
 *   const { start } = require('fakedesk');
 *   const fd = await start();
 *   fd.url('zendesk');                       // http://127.0.0.1:PORT
 *   await fd.expect('zendesk', { method: 'POST', path: '/api/v2/tickets.json' });
 *   await fd.stop();
 */

const { spawn, execFile } = require('node:child_process');
const { AssertionError } = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const START_TIMEOUT_MS = 30000;
const STOP_TIMEOUT_MS = 10000;

/** The control API refused a request, or fakedesk could not be run. */
class FakedeskError extends Error {
  constructor(message) {
    super(message);
    this.name = 'FakedeskError';
  }
}

/**
 * No exchange matched an `expect` in time (an AssertionError, so test runners
 * report a failure). The message is fakedesk's: the closest exchange with each
 * difference, then the latest traffic.
 */
class ExpectationFailed extends AssertionError {
  constructor(message) {
    super({ message });
    this.name = 'ExpectationFailed';
  }
}

/** The binary: `explicit`, then FAKEDESK_BIN, then the one in this package, then the PATH. */
function findBinary(explicit) {
  if (explicit) return String(explicit);
  if (process.env.FAKEDESK_BIN) return process.env.FAKEDESK_BIN;
  const exe = process.platform === 'win32' ? 'fakedesk.exe' : 'fakedesk';
  const bundled = path.join(__dirname, 'bin', exe);
  if (fs.existsSync(bundled)) return bundled;
  return exe;
}

/** `NAME=value` lines, as `serve --env-file` writes them. */
function parseEnvFile(text) {
  const env = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf('=');
    if (i > 0 && !line.trimStart().startsWith('#')) env[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return env;
}

function duration(within) {
  if (within === undefined || within === null) return '2s';
  return typeof within === 'number' ? `${Math.round(within * 1000)}ms` : String(within);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A client of a running fakedesk's control API. */
class Fakedesk {
  /** @param {Record<string,string>} env the env file's values; @param {string} [bin] */
  constructor(env, bin) {
    this.env = { ...env };
    this.bin = bin;
  }

  /** The control API's base URL. */
  get controlUrl() {
    return this.env.FAKEDESK_CONTROL_URL;
  }

  async _request(method, urlPath, body) {
    const headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.env.FAKEDESK_CONTROL_TOKEN) headers.authorization = `Bearer ${this.env.FAKEDESK_CONTROL_TOKEN}`;
    let res;
    try {
      res = await fetch(this.controlUrl + urlPath, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new FakedeskError(`${method} ${urlPath}: cannot reach fakedesk at ${this.controlUrl}: ${e.message}`);
    }
    const text = await res.text();
    if (!res.ok) throw new FakedeskError(`${method} ${urlPath}: ${res.status} ${text}`);
    return text.trim() ? JSON.parse(text) : null;
  }

  /** Base URL of a fake vendor, e.g. url('zendesk'). */
  url(vendor) {
    const value = this.env[`FAKEDESK_${String(vendor).toUpperCase()}_URL`];
    if (!value) {
      const known = Object.keys(this.env)
        .filter((k) => k.endsWith('_URL') && k !== 'FAKEDESK_CONTROL_URL')
        .map((k) => k.slice('FAKEDESK_'.length, -'_URL'.length).toLowerCase());
      throw new FakedeskError(`unknown vendor '${vendor}'; known: ${known.join(', ')}`);
    }
    return value;
  }

  /** The vendor's seeded credentials: for Zendesk { email, token, password, oauth_token }. */
  credentials(vendor) {
    this.url(vendor);
    const prefix = `FAKEDESK_${String(vendor).toUpperCase()}_`;
    const out = {};
    for (const [k, v] of Object.entries(this.env)) {
      if (k.startsWith(prefix) && k !== `${prefix}URL`) out[k.slice(prefix.length).toLowerCase()] = v;
    }
    return out;
  }

  /** Journal entries, oldest first: journal(), journal('zendesk'), journal({ vendor, since }). */
  async journal(vendorOrOptions, since) {
    const opts = typeof vendorOrOptions === 'object' && vendorOrOptions !== null
      ? vendorOrOptions
      : { vendor: vendorOrOptions, since };
    const entries = [];
    let cursor = opts.since;
    for (let i = 0; i < 100000; i += 1) {
      const q = new URLSearchParams();
      if (opts.vendor != null) q.set('vendor', opts.vendor);
      if (cursor != null) q.set('since', String(cursor));
      const qs = q.toString();
      const page = await this._request('GET', `/journal${qs ? `?${qs}` : ''}`);
      const got = page.entries || [];
      entries.push(...got);
      if (got.length === 0 || page.next_since == null || page.next_since === cursor) break;
      cursor = page.next_since;
    }
    return entries;
  }

  /** The vendor's whole state (GET /state/{vendor}). */
  state(vendor) {
    return this._request('GET', `/state/${encodeURIComponent(vendor)}`);
  }

  /** Every vendor back to its seeded state; the journal emptied. */
  async reset() {
    await this._request('POST', '/reset', {});
  }

  /** A vendor acts, as a scenario's `send` step: send('zendesk', 'ticket_create', { ticket }). */
  send(vendor, action, args = {}) {
    return this._request('POST', `/${encodeURIComponent(vendor)}/actions/${encodeURIComponent(action)}`, args);
  }

  /**
   * Waits for matching traffic (fakedesk matches, through POST /expect); throws
   * ExpectationFailed with fakedesk's closest-exchange diff when nothing matched.
   */
  async expect(vendor, options = {}) {
    const { within, direction, count, ...rest } = options;
    const ask = { vendor, direction: direction || 'inbound', within: duration(within), count: count == null ? 1 : count };
    for (const key of ['method', 'path', 'body', 'status', 'query', 'headers', 'since']) {
      if (rest[key] !== undefined && rest[key] !== null) ask[key] = rest[key];
    }
    const reply = await this._request('POST', '/expect', ask);
    if (!reply.matched) throw new ExpectationFailed(reply.message || 'no matching exchange');
    return reply.exchanges || [];
  }

  /** Runs a scenario file or folder with `fakedesk run`; throws ExpectationFailed if it fails. */
  runScenario(file, ...args) {
    const bin = findBinary(this.bin);
    return new Promise((resolve, reject) => {
      execFile(bin, ['run', String(file), ...args], { env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 2) : 0;
          if (code !== 0) reject(new ExpectationFailed(`fakedesk run ${file} exited with ${code}:\n${stdout}${stderr}`));
          else resolve({ code, stdout, stderr });
        });
    });
  }
}

/** A running `fakedesk serve`: every Fakedesk method, plus stop(). */
class Server extends Fakedesk {
  constructor(child, dir, bin) {
    super({}, bin);
    this._child = child;
    this._dir = dir;
    this._exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this._onExit = () => { try { child.kill('SIGKILL'); } catch { /* already gone */ } };
    process.once('exit', this._onExit);
  }

  /** The server's process id. */
  get pid() {
    return this._child.pid;
  }

  /** What the server printed so far. */
  get log() {
    try { return fs.readFileSync(path.join(this._dir, 'fakedesk.log'), 'utf8'); } catch { return ''; }
  }

  /** Stops the server (SIGTERM, SIGKILL after 10 s) and removes its files. */
  async stop() {
    process.removeListener('exit', this._onExit);
    const running = this._child.pid !== undefined && this._child.exitCode === null && this._child.signalCode === null;
    if (running) {
      this._child.kill('SIGTERM');
      const t = setTimeout(() => this._child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await this._exited;
      clearTimeout(t);
    }
    fs.rmSync(this._dir, { recursive: true, force: true });
  }
}

/**
 * Starts `fakedesk serve --ephemeral-ports` and resolves once every listener is bound.
 * @param {{bin?: string, config?: string, args?: string[], timeout?: number}} [options]
 */
async function start(options = {}) {
  const bin = findBinary(options.bin);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fakedesk-'));
  const envFile = path.join(dir, 'fakedesk.env');
  const args = ['serve', '--ephemeral-ports', '--env-file', envFile];
  if (options.config) args.push('--config', String(options.config));
  args.push(...(options.args || []));
  const log = fs.openSync(path.join(dir, 'fakedesk.log'), 'w');
  const child = spawn(bin, args, { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  let spawnError = null;
  child.once('error', (e) => { spawnError = e; });
  const server = new Server(child, dir, bin);
  const deadline = Date.now() + (options.timeout || START_TIMEOUT_MS);
  while (!fs.existsSync(envFile)) {
    const exited = spawnError || child.exitCode !== null || child.signalCode !== null;
    if (exited || Date.now() > deadline) {
      const output = server.log;
      await server.stop();
      const why = spawnError ? `could not run ${bin}: ${spawnError.message}`
        : exited ? `fakedesk serve exited with ${child.exitCode ?? child.signalCode}`
          : 'fakedesk serve did not listen in time';
      throw new FakedeskError(`${why}\n${output}`);
    }
    await sleep(20);
  }
  server.env = parseEnvFile(fs.readFileSync(envFile, 'utf8'));
  return server;
}

module.exports = { start, Fakedesk, Server, FakedeskError, ExpectationFailed, findBinary, parseEnvFile };
