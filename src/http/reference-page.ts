// The browsable API reference at /docs: Scalar's Hono middleware (@scalar/hono-api-reference)
// over /openapi.json, with its try-it client. The middleware loads Scalar's bundle from a CDN by
// default; here the project serves @scalar/api-reference's standalone bundle from node_modules
// under /docs/, and the page asks for no fonts or telemetry from Scalar's hosts, so /docs works
// offline and loads nothing from another origin.
import { Scalar } from '@scalar/hono-api-reference';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';
import { AppError } from './errors.js';

export const referenceScriptPath = '/docs/api-reference.js';
const standaloneBundle = '@scalar/api-reference/browser/standalone.js';

export function referencePage(title: string): MiddlewareHandler<AppEnv> {
  return Scalar<AppEnv>({
    pageTitle: `${title} reference`,
    url: '/openapi.json',
    cdn: referenceScriptPath,
    withDefaultFonts: false,
    telemetry: false,
    // Its Share and Deploy buttons upload the document to Scalar.
    showDeveloperTools: 'never',
    // Try-it requests go straight to this origin: without a proxy URL Scalar would send them
    // (API keys included) through proxy.scalar.com.
    proxyUrl: '',
    // The "Ask AI" agent searches Scalar's API registry through proxy.scalar.com.
    agent: { disabled: true },
  });
}

let bundle: Promise<string> | undefined;

/** Scalar's standalone bundle (about 3.5 MB, 1 MB gzipped), read once from node_modules. */
export async function referenceScript(): Promise<string> {
  bundle ??= (async () => {
    // Imported here, not at module load: Workers have no node_modules to read from.
    const [{ createRequire }, { readFile }] = await Promise.all([import('node:module'), import('node:fs/promises')]);
    return readFile(createRequire(import.meta.url).resolve(standaloneBundle), 'utf8');
  })();
  try {
    return await bundle;
  } catch {
    bundle = undefined;
    throw new AppError(
      'service_unavailable',
      'the API reference bundle is not installed here (npm ci installs @scalar/api-reference); ' +
        '/openapi.json is the reference',
    );
  }
}
