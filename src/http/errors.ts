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
    super(
      'validation_failed',
      invalidParams.map((p) => `${p.in} ${p.name}: ${p.message}`).join('; '),
      { invalidParams },
    );
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

/** The app's `onError`: known errors as themselves, everything else as an opaque 500. */
export function renderError(logger: Logger) {
  return (err: Error, c: Context): Response => {
    if (err instanceof AppError) return problemResponse(c, err);
    if (err instanceof HTTPException) {
      // Hono raises these for malformed bodies and similar protocol errors.
      const status = err.status;
      const code = (Object.entries(problemStatuses).find(([, s]) => s === status)?.[0] ?? 'bad_request') as ProblemCode;
      return problemResponse(c, new AppError(code, err.message || problemTitles[code]));
    }
    logger.error('unhandled error', { path: c.req.path, method: c.req.method, error: err.message, stack: err.stack });
    return problemResponse(c, new AppError('internal_error', 'The server could not complete the request; the error has been logged.'));
  };
}
