/**
 * fakedesk for Node: starts the bundled `fakedesk serve` on OS-chosen ports and
 * talks to its control API.
 */

/** JSON as parsed from the control API. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What start() accepts. */
export interface StartOptions {
  /** The fakedesk binary (default: FAKEDESK_BIN, then the one in this package, then the PATH). */
  bin?: string;
  /** A YAML config file for `fakedesk serve --config`. */
  config?: string;
  /** More `serve` options, e.g. ['--no-rate-limits']. */
  args?: string[];
  /** Milliseconds to wait for every listener (default 30000). */
  timeout?: number;
}

/** What journal() accepts. */
export interface JournalOptions {
  /** Only this vendor's entries. */
  vendor?: string;
  /** Only entries with this `seq` or later. */
  since?: number;
}

/** One journal entry (an exchange with a fake, either direction). */
export interface JournalEntry {
  seq: number;
  vendor: string;
  /** inbound: your code called the fake; outbound: the fake called your code. */
  direction: 'inbound' | 'outbound';
  method: string;
  path: string;
  query: string | null;
  started_at: string;
  duration_us: number;
  /** Outbound only: the URL called, the attempt (from 1) and the delivery id. */
  url?: string;
  attempt?: number;
  delivery?: string;
  /** JSON bodies as JSON, other text as a string, binary as {"base64": ...}. */
  request: { headers: Record<string, string>; body: Json; truncated?: boolean };
  response: { status: number; headers: Record<string, string>; body: Json } | null;
  /** Outbound only: why no answer came. */
  error?: string;
}

/** What expect() waits for; every key is optional. */
export interface ExpectOptions {
  /** HTTP method. */
  method?: string;
  /** Path without query; `*` matches any run of characters. */
  path?: string;
  /** Partial JSON match on the request body. */
  body?: Json;
  /** The response status. */
  status?: number;
  /** How long to wait: '500ms', '2s', or a number of seconds (default '2s'). */
  within?: string | number;
  /** 'inbound' (called the fake, default) or 'outbound' (the fake called out, e.g. a webhook). */
  direction?: 'inbound' | 'outbound';
  /** Query parameters that must be present. */
  query?: Record<string, string>;
  /** Request headers that must be present (names ignore case). */
  headers?: Record<string, string>;
  /** How many exchanges must match (default 1); 0 expects none within. */
  count?: number;
  /** Only entries with this `seq` or later. */
  since?: number;
}

/** One exchange an expect() matched. */
export interface MatchedExchange {
  seq: number;
  vendor: string;
  direction: 'inbound' | 'outbound';
  method: string;
  path: string;
  url: string | null;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: Json;
  status: number | null;
  response: { headers: Record<string, string>; body: Json } | null;
}

/** What runScenario() resolves to when the scenario passed. */
export interface ScenarioRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The control API refused a request, or fakedesk could not be run. */
export declare class FakedeskError extends Error {}

/** No exchange matched in time; the message is fakedesk's closest-exchange diff. */
export declare class ExpectationFailed extends Error {}

/** A client of a running fakedesk's control API. */
export declare class Fakedesk {
  constructor(env: Record<string, string>, bin?: string);
  /** The env file's values (URLs and seeded credentials). */
  env: Record<string, string>;
  /** The control API's base URL. */
  readonly controlUrl: string;
  /** Base URL of a fake vendor, e.g. url('zendesk') → 'http://127.0.0.1:PORT'. */
  url(vendor: string): string;
  /** Seeded credentials, keyed like the env file without `FAKEDESK_<VENDOR>_`, lower case. */
  credentials(vendor: string): Record<string, string>;
  /** Journal entries, oldest first (every page). */
  journal(vendor?: string, since?: number): Promise<JournalEntry[]>;
  journal(options: JournalOptions): Promise<JournalEntry[]>;
  /** The vendor's whole state. */
  state(vendor: string): Promise<Json>;
  /** Every vendor back to its seeded state; the journal emptied. */
  reset(): Promise<void>;
  /** A vendor acts, as a scenario's `send` step; resolves to what the action returned. */
  send(vendor: string, action: string, args?: Record<string, Json>): Promise<Json>;
  /** Waits for matching traffic; rejects with ExpectationFailed and fakedesk's diff. */
  expect(vendor: string, options?: ExpectOptions): Promise<MatchedExchange[]>;
  /** Runs a scenario file or folder with `fakedesk run`; rejects with ExpectationFailed if it fails. */
  runScenario(path: string, ...args: string[]): Promise<ScenarioRun>;
}

/** A running `fakedesk serve`. */
export declare class Server extends Fakedesk {
  /** The server's process id. */
  readonly pid: number;
  /** What the server printed so far. */
  readonly log: string;
  /** Stops the server and removes its files. */
  stop(): Promise<void>;
}

/** Starts `fakedesk serve --ephemeral-ports`; resolves once every listener is bound. */
export declare function start(options?: StartOptions): Promise<Server>;

/** The binary start() would run. */
export declare function findBinary(explicit?: string): string;

/** `NAME=value` lines as an object. */
export declare function parseEnvFile(text: string): Record<string, string>;
