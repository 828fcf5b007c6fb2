// The app served over HTTP on a loopback port, for clients that need a real origin: a browser
// page, GDAL's OAPIF driver.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';

export interface ServedApp {
  server: ServerType;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  close(): Promise<void>;
}

/** Serves `fetch` on 127.0.0.1 on a free port. */
export async function serveOnLoopback(fetch: (request: Request) => Response | Promise<Response>): Promise<ServedApp> {
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  return {
    server,
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
