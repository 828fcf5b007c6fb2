// The Node HTTP server around the app: @hono/node-server's request listener on node:http, plus
// the answers given before the app sees a request. Node answers a head past its limit (16 KiB)
// or a malformed request line itself, and the adapter answers a path with a backslash, both
// with an empty body; here they are application/problem+json like every other error.
import { createServer, maxHeaderSize, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { getRequestListener, RequestError } from '@hono/node-server';
import type { Logger } from '../logger.js';
import { AppError, problemDocument, problemMediaType, type ProblemCode } from './errors.js';

type Fetch = (request: Request, env: unknown) => Response | Promise<Response>;

const statusLines: Partial<Record<ProblemCode, string>> = {
  bad_request: '400 Bad Request',
  request_timeout: '408 Request Timeout',
  request_header_fields_too_large: '431 Request Header Fields Too Large',
};

/** The problem for an error Node's HTTP parser raised on a connection (`clientError`). */
export function clientErrorProblem(code: string | undefined, headLimit = maxHeaderSize): AppError {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return new AppError('request_header_fields_too_large', `the request line and headers exceed ${headLimit} bytes`, {
      maxBytes: headLimit,
    });
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return new AppError('request_timeout', 'the request head or body did not arrive in time');
  return new AppError('bad_request', 'the request is not valid HTTP/1.1');
}

/** The bytes of a whole HTTP/1.1 response carrying `error` as problem+json; the connection then closes. */
export function rawProblemResponse(error: AppError): string {
  const body = JSON.stringify(problemDocument(error));
  const status = statusLines[error.code] ?? `${error.status} Error`;
  const head = [
    `HTTP/1.1 ${status}`,
    `Content-Type: ${problemMediaType}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ];
  return `${head.join('\r\n')}\r\n\r\n${body}`;
}

const problemAsResponse = (error: AppError) =>
  new Response(JSON.stringify(problemDocument(error)), {
    status: error.status,
    headers: { 'content-type': problemMediaType },
  });

export function createNodeServer(fetch: Fetch, logger?: Logger): Server {
  const listener = getRequestListener(fetch, {
    // Called when the adapter cannot build a Request (a backslash in the path, a bad Host) or
    // the app's fetch throws (it does not: onError answers).
    errorHandler: (err) => {
      if (err instanceof RequestError)
        return problemAsResponse(new AppError('bad_request', `the request target is not a valid URL: ${err.message}`));
      logger?.error('unhandled error in the Node adapter', { error: err instanceof Error ? err.message : String(err) });
      return problemAsResponse(
        new AppError('internal_error', 'The server could not complete the request; the error has been logged.'),
      );
    },
  });
  const server = createServer(listener);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // As Node's own handler: answer only when nothing of a response was written on the socket.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    logger?.debug('client error', { code: err.code });
    socket.end(rawProblemResponse(clientErrorProblem(err.code)));
  });
  return server;
}

/** Listens on `port` (0: any free port) and resolves with the address once listening. */
export function listen(server: Server, port: number, hostname?: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}
