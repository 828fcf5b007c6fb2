// What Node and its adapter answer before the app sees a request, over a real socket: a head
// past 16 KiB (431), a malformed request, a backslash in the path (400), all problem+json,
// and the server still serving afterwards.
import { connect } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeServer, listen } from '../../src/http/node-server.js';
import { openTestApp, type TestContext } from '../support/app.js';

// The port range this suite's servers may use (9120-9129).
const PORT = 9121;

let t: TestContext;
let server: Server;

beforeAll(async () => {
  t = await openTestApp();
  server = createNodeServer(t.app.fetch);
  await listen(server, PORT, '127.0.0.1');
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server?.closeAllConnections();
  await t?.close();
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `request` as raw bytes and reads the response until the server closes or it is complete. */
function raw(request: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(PORT, '127.0.0.1');
    let data = '';
    const done = () => {
      const end = data.indexOf('\r\n\r\n');
      if (end === -1) return reject(new Error(`no response head in ${JSON.stringify(data.slice(0, 200))}`));
      const [statusLine, ...lines] = data.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: data.slice(end + 4) });
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
      const end = data.indexOf('\r\n\r\n');
      const length = end === -1 ? NaN : Number(/\r\ncontent-length: *(\d+)/i.exec(data.slice(0, end))?.[1]);
      if (Number.isFinite(length) && Buffer.byteLength(data.slice(end + 4)) >= length) {
        socket.destroy();
        done();
      }
    });
    socket.on('end', done);
    socket.on('error', (error) => (data ? done() : reject(error)));
    socket.write(request);
  });
}

const expectProblem = (res: RawResponse, status: number, code: string) => {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json');
  const problem = JSON.parse(res.body);
  expect(problem).toMatchObject({ status, code });
  expect(problem.detail).toEqual(expect.any(String));
  expect(res.body).not.toMatch(/at .*\.(ts|js):\d+/);
  return problem;
};

describe('Node-level errors as problem+json', () => {
  it('a request head over 16 KiB is a 431 problem', async () => {
    const res = await raw(`GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'a'.repeat(17 * 1024)}\r\n\r\n`);
    const problem = expectProblem(res, 431, 'request_header_fields_too_large');
    expect(problem.maxBytes).toBe(16 * 1024);
  });

  it('a path with a backslash is a 400 problem', async () => {
    const res = await raw('GET /sites\\..\\healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    expectProblem(res, 400, 'bad_request');
  });

  it('a backslash in the query string is not a path problem (the app parses it)', async () => {
    const res = await raw('GET /plots?land_control=\\ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).code).toBe('validation_failed');
  });

  it('a malformed request line is a 400 problem', async () => {
    const res = await raw('GET /healthz HTTP/1.1 trailing\r\nHost: localhost\r\n\r\n');
    expectProblem(res, 400, 'bad_request');
  });

  it('the server still serves afterwards', async () => {
    const res = await fetch(`http://127.0.0.1:${PORT}/healthz`);
    expect(res.status).toBe(200);
  });
});
