// The one validation wrapper: the OpenAPIHono `defaultHook` turns every zod failure
// into a ValidationError that names the parameter and where it was (query, path, body).
import type { Context } from 'hono';
import type { ZodError } from 'zod';
import { ValidationError, type InvalidParam } from './errors.js';

const locations: Record<string, InvalidParam['in']> = {
  query: 'query',
  param: 'path',
  header: 'header',
  json: 'body',
  form: 'body',
  cookie: 'header',
};

export function zodIssuesToParams(error: ZodError, where: InvalidParam['in']): InvalidParam[] {
  return error.issues.flatMap((issue) => {
    // An unknown query key is reported under its own name, not under the object.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        in: where,
        name: [...issue.path, key].join('.'),
        message: 'unknown parameter',
      }));
    }
    const name = issue.path.length > 0 ? issue.path.join('.') : where === 'body' ? '(body)' : '(parameters)';
    return [{ in: where, name, message: issue.message }];
  });
}

export function validationHook(
  result: { success: true; data: unknown } | { success: false; error: ZodError },
  _c: Context,
  target?: string,
): void {
  if (!result.success)
    throw new ValidationError(zodIssuesToParams(result.error, locations[target ?? 'query'] ?? 'query'));
}

export function defaultHook(
  result: ({ success: true; data: unknown } | { success: false; error: ZodError }) & { target: string },
  c: Context,
): void {
  validationHook(result, c, result.target);
}
