// The shared set-up of the federation stand-ins (Apple, LinkedIn, Entra ID, the OAuth2 providers):
// a local HTTP server on a free 127.0.0.1 port that answers as a provider's documentation says,
// with its request body read and a reply helper, started before a file's tests and stopped after
// them; and the identity-source record those tests hand to edge-sso's federation clients.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import type { IdentitySource } from '../../src/federation/types';

export interface StandInRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  /** The request body as text ('' for a GET). */
  body: string;
  /** The body of a form POST, decoded (undefined for other requests). */
  form?: Record<string, string>;
}

export interface Reply {
  json(status: number, body: unknown, contentType?: string): void;
  redirect(location: string): void;
  html(status: number, body: string): void;
  /** The raw response, for what the helpers do not cover. */
  raw: ServerResponse;
}

export interface StandIn {
  /** http://127.0.0.1:<port>, once started. */
  readonly base: string;
  close(): Promise<void>;
}

type Handler = (request: StandInRequest, reply: Reply) => unknown;

/** Starts a stand-in now; close() stops it (and cuts its keep-alive connections). */
export async function startStandIn(handle: Handler): Promise<StandIn> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    const method = req.method ?? 'GET';
    const isForm = method === 'POST' && String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    const request: StandInRequest = {
      method,
      url: new URL(req.url ?? '/', 'http://127.0.0.1'),
      headers: req.headers,
      body,
      form: isForm ? Object.fromEntries(new URLSearchParams(body)) : undefined,
    };
    const reply: Reply = {
      json: (status, value, contentType = 'application/json') => {
        res.writeHead(status, { 'content-type': contentType });
        res.end(JSON.stringify(value));
      },
      redirect: (location) => {
        res.writeHead(302, { location });
        res.end();
      },
      html: (status, text) => {
        res.writeHead(status, { 'content-type': 'text/html' });
        res.end(text);
      },
      raw: res,
    };
    await handle(request, reply);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A stand-in for the tests of one file: started in beforeAll, stopped in afterAll. */
export function standInForFile(handle: Handler): { readonly base: string } {
  let running: StandIn | undefined;
  beforeAll(async () => {
    running = await startStandIn(handle);
  });
  afterAll(async () => {
    await running?.close();
  });
  return {
    get base() {
      if (!running) throw new Error('the stand-in has not started (use its base inside tests or hooks)');
      return running.base;
    },
  };
}

/** An identity-source record as the admin API stores it, with the defaults a new source gets. */
export function identitySource(fields: Pick<IdentitySource, 'slug' | 'type' | 'name' | 'client_id' | 'scopes'> & Partial<IdentitySource>): IdentitySource {
  return {
    enabled: true,
    show_on_login_page: true,
    provisioning: 'create',
    allowed_domains: [],
    claim_map: {},
    group_map: { claim: 'groups', prefix: '', rename: {} },
    trust_email_for_linking: false,
    config: {},
    secrets_set: ['client_secret'],
    created_at: 0,
    updated_at: 0,
    ...fields,
  };
}
