// The Workers entry without the Workers runtime: what it adds around the app (configuration
// errors, the client's Accept-Encoding and address). None of these requests reaches the
// database, so the pool never connects; bundling and serving were checked with wrangler (README).
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import worker from '../../src/worker.js';

const unreachable = 'postgres://nobody@127.0.0.1:1/none';
const pending: Promise<unknown>[] = [];
const responses: Response[] = [];
const ctx = { waitUntil: (promise: Promise<unknown>) => void pending.push(promise) };

/** worker.fetch, remembering the response: the pool closes once its body is read or cancelled. */
async function serve(request: Request, env: Parameters<typeof worker.fetch>[1]): Promise<Response> {
  const response = await worker.fetch(request, env, ctx);
  responses.push(response);
  return response;
}

/** A request as Cloudflare hands it to a Worker: its own Accept-Encoding, the client's in `cf`. */
function edgeRequest(
  path: string,
  client: { acceptEncoding?: string; address?: string; headers?: Record<string, string> } = {},
): Request {
  const headers: Record<string, string> = { 'accept-encoding': 'br, gzip', ...client.headers };
  if (client.address) headers['cf-connecting-ip'] = client.address;
  return Object.assign(new Request(`https://foncier.example${path}`, { headers }), {
    cf: { clientAcceptEncoding: client.acceptEncoding ?? '' },
  });
}

afterEach(async () => {
  // As the runtime would when a client goes away: unread bodies are cancelled, then every pool closes.
  await Promise.all(responses.splice(0).map((r) => (r.bodyUsed ? undefined : r.body?.cancel())));
  await Promise.all(pending.splice(0));
  vi.restoreAllMocks();
});

describe('Workers entry', () => {
  it('answers 500 problem+json when neither HYPERDRIVE nor DATABASE_URL is bound', async () => {
    const response = await serve(edgeRequest('/sites'), {});
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({
      code: 'internal_error',
      instance: '/sites',
      detail: expect.stringMatching(/HYPERDRIVE or set DATABASE_URL/),
    });
  });

  it('answers 500 problem+json for a malformed DATABASE_URL, logging the reason but not echoing the URL', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const response = await serve(edgeRequest('/sites'), { DATABASE_URL: 'mysql://secret@db/foncier' });
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('secret');
    expect(logged).toHaveBeenCalledWith(expect.stringMatching(/DATABASE_URL/));
  });

  it("gzips for the client's own Accept-Encoding, not the 'br, gzip' Cloudflare sends every Worker", async () => {
    const plain = await serve(edgeRequest('/openapi.json'), { DATABASE_URL: unreachable });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-encoding')).toBeNull();
    const spec = (await plain.json()) as { openapi: string };
    expect(spec.openapi).toMatch(/^3\.1/);

    const gzipped = await serve(edgeRequest('/openapi.json', { acceptEncoding: 'gzip, deflate' }), {
      DATABASE_URL: unreachable,
    });
    expect(gzipped.headers.get('content-encoding')).toBe('gzip');
    expect(JSON.parse(gunzipSync(Buffer.from(await gzipped.arrayBuffer())).toString('utf8'))).toEqual(spec);
  });

  it('counts failed authentications per CF-Connecting-IP, so one client cannot lock out the others', async () => {
    const env = { DATABASE_URL: unreachable };
    const attempt = async (address: string, forwarded?: string) => {
      const headers = { authorization: 'Bearer not-a-key', ...(forwarded ? { 'x-forwarded-for': forwarded } : {}) };
      return (await serve(edgeRequest('/audit', { address, headers }), env)).status;
    };
    // The Worker's limiter: 10 failures a minute per client.
    for (let i = 0; i < 10; i++) expect(await attempt('203.0.113.7')).toBe(401);
    expect(await attempt('203.0.113.7')).toBe(429);
    // A forged X-Forwarded-For neither frees the blocked client nor blocks another one.
    expect(await attempt('203.0.113.7', '192.0.2.1')).toBe(429);
    expect(await attempt('198.51.100.2', '203.0.113.7')).toBe(401);
  });
});
