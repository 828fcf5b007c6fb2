// One error hierarchy, one status table, one renderer: route code throws an AppError and
// `renderProblem` turns it into RFC 9457 application/problem+json. Nothing else builds
// error responses, and no stack trace or SQL text ever reaches a client.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from '../logger.js';

export const problemMediaType = 'application/problem+json';

/** Where an invalid value was found, e.g. { in: 'query', name: 'bbox', message: '...' }. */
export interface InvalidParam {
  in: 'query' | 'path' | 'header' | 'body';
  name: string;
  message: string;
}

const problemTitles = {
  validation_failed: 'Invalid request',
  bad_request: 'Bad request',
  unauthorized: 'Authentication required',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  not_acceptable: 'Not acceptable',
  conflict: 'Conflict',
  precondition_failed: 'Precondition failed',
  precondition_required: 'Precondition required',
  payload_too_large: 'Payload too large',
  request_header_fields_too_large: 'Request header fields too large',
  request_timeout: 'Request timeout',
  unsupported_media_type: 'Unsupported media type',
  unprocessable: 'Unprocessable content',
  too_many_requests: 'Too many requests',
  internal_error: 'Internal server error',
  service_unavailable: 'Service unavailable',
  database_unavailable: 'Database unavailable',
  database_timeout: 'Database timeout',
} as const;

export type ProblemCode = keyof typeof problemTitles;

const problemStatuses: Record<ProblemCode, ContentfulStatusCode> = {
  validation_failed: 400,
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  not_acceptable: 406,
  conflict: 409,
  precondition_failed: 412,
  precondition_required: 428,
  payload_too_large: 413,
  request_header_fields_too_large: 431,
  request_timeout: 408,
  unsupported_media_type: 415,
  unprocessable: 422,
  too_many_requests: 429,
  internal_error: 500,
  service_unavailable: 503,
  database_unavailable: 503,
  database_timeout: 503,
};

export class AppError extends Error {
  override name = 'AppError';
  readonly status: ContentfulStatusCode;
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    /** Response headers the problem needs (Retry-After, WWW-Authenticate…). */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.status = problemStatuses[code];
  }
}

export class ValidationError extends AppError {
  constructor(readonly invalidParams: InvalidParam[]) {
    super('validation_failed', invalidParams.map((p) => `${p.in} ${p.name}: ${p.message}`).join('; '), {
      invalidParams,
    });
  }
}

export class NotFoundError extends AppError {
  constructor(resource: string, id: string) {
    super('not_found', `${resource} ${JSON.stringify(id)} does not exist`, { resource, id });
  }
}

export class ConflictError extends AppError {
  constructor(detail: string, extensions: Record<string, unknown> = {}) {
    super('conflict', detail, extensions);
  }
}

export function invalidParam(where: InvalidParam['in'], name: string, message: string): ValidationError {
  return new ValidationError([{ in: where, name, message }]);
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  instance?: string;
  [extension: string]: unknown;
}

export function problemType(code: ProblemCode): string {
  return `urn:foncier:problem:${code.replaceAll('_', '-')}`;
}

export function problemDocument(error: AppError, instance?: string): ProblemDocument {
  return {
    type: problemType(error.code),
    title: problemTitles[error.code],
    status: error.status,
    detail: error.detail,
    code: error.code,
    ...(instance ? { instance } : {}),
    ...error.extensions,
  };
}

export function problemResponse(c: Context, error: AppError): Response {
  const body = problemDocument(error, new URL(c.req.url).pathname);
  const headers: Record<string, string> = { ...error.headers, 'content-type': problemMediaType };
  if (error.status === 401) headers['www-authenticate'] = 'Bearer realm="foncier"';
  return c.body(JSON.stringify(body), error.status, headers);
}

/** Seconds a client should wait before retrying when the database failed us. */
export const DATABASE_RETRY_AFTER_S = 5;

// Errors that say the database is gone or going, not that the request was wrong:
// SQLSTATE class 08 (connection exception), 57P01 admin_shutdown (pg_ctl stop -m fast),
// 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up, shutting down), 53300
// too_many_connections; socket errors before any SQLSTATE; and pg's own messages for a
// connection that died under a query, for the pool's connectionTimeoutMillis, and for a client
// that already saw its connection fail.
const unavailableStates = new Set(['57P01', '57P02', '57P03', '53300']);
const socketErrors = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const connectionMessages = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
];
// 57014 query_canceled (statement_timeout, or an operator's pg_cancel_backend) and 55P03
// lock_not_available (lock_timeout): the database is too busy for this request right now.
// 503 rather than 504: the database is this server's own backend, not an upstream it proxies.
const timeoutStates = new Set(['57014', '55P03']);

/** A database failure as the 503 a client can retry, or undefined when it is not one. */
export function databaseProblem(error: unknown): AppError | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  const retry = { 'retry-after': String(DATABASE_RETRY_AFTER_S) };
  if (typeof code === 'string' && timeoutStates.has(code)) {
    return new AppError(
      'database_timeout',
      'The database did not answer in time; retry later.',
      { retryAfter: DATABASE_RETRY_AFTER_S },
      retry,
    );
  }
  const unavailable =
    (typeof code === 'string' && (code.startsWith('08') || unavailableStates.has(code) || socketErrors.has(code))) ||
    connectionMessages.some((message) => error.message.startsWith(message));
  if (unavailable)
    return new AppError(
      'database_unavailable',
      'The database is unavailable; retry later.',
      { retryAfter: DATABASE_RETRY_AFTER_S },
      retry,
    );
  return undefined;
}

/** The app's `onError`: known errors as themselves, everything else as an opaque 500. */
export function renderError(logger: Logger) {
  return (err: Error, c: Context): Response => {
    if (err instanceof AppError) return problemResponse(c, err);
    // A page's own answer thrown as an exception (web/session.ts: the redirect to /connexion).
    if (err instanceof HTTPException && err.res && err.status >= 300 && err.status < 400) return err.getResponse();
    if (err instanceof HTTPException) {
      // Hono raises these for malformed bodies and similar protocol errors.
      const status = err.status;
      const code = (Object.entries(problemStatuses).find(([, s]) => s === status)?.[0] ?? 'bad_request') as ProblemCode;
      return problemResponse(c, new AppError(code, err.message || problemTitles[code]));
    }
    const unavailable = databaseProblem(err);
    if (unavailable) {
      logger.warn('database fault', {
        path: c.req.path,
        method: c.req.method,
        code: unavailable.code,
        error: err.message,
      });
      return problemResponse(c, unavailable);
    }
    logger.error('unhandled error', { path: c.req.path, method: c.req.method, error: err.message, stack: err.stack });
    return problemResponse(
      c,
      new AppError('internal_error', 'The server could not complete the request; the error has been logged.'),
    );
  };
}
