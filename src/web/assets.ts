// /assets: the scripts and styles the HTML pages use, served by the project itself (never from
// another host): MapLibre GL JS from its npm package under a versioned path, and the pages' own
// script and style under a content-hashed name. Both paths change when the bytes do, so they are
// cached for a year (`immutable`). Files are read once from disk and kept in memory.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import type { AppEnv } from '../app.js';
import { noneMatch } from '../http/entity.js';
import { NotFoundError } from '../http/errors.js';

interface Asset {
  file: string;
  type: string;
  bytes?: Uint8Array;
  etag?: string;
}

const require = createRequire(import.meta.url);
const maplibreDir = join(dirname(require.resolve('maplibre-gl/package.json')), 'dist');
const maplibreVersion: string = require('maplibre-gl/package.json').version;
const here = dirname(fileURLToPath(import.meta.url));

const javascript = 'text/javascript; charset=utf-8';
const css = 'text/css; charset=utf-8';

function load(asset: Asset): Required<Asset> {
  if (!asset.bytes) {
    asset.bytes = new Uint8Array(readFileSync(asset.file));
    asset.etag = `"${createHash('sha1').update(asset.bytes).digest('base64url').slice(0, 16)}"`;
  }
  return asset as Required<Asset>;
}

function contentHash(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 10);
}

// The worker is loaded by maplibre-gl.mjs from its own directory (new URL(…, import.meta.url)).
const maplibreFiles: Record<string, string> = { 'maplibre-gl.mjs': javascript, 'maplibre-gl-worker.mjs': javascript, 'maplibre-gl.css': css };
const ownFiles: Record<string, { file: string; type: string }> = {
  'ogc-map': { file: join(here, 'ogc-map.js'), type: javascript },
  pages: { file: join(here, 'pages.css'), type: css },
};

/** Absolute paths of the assets, versioned or content-hashed, for the pages to link. */
export const assetPaths = {
  maplibreJs: `/assets/maplibre-gl@${maplibreVersion}/maplibre-gl.mjs`,
  maplibreCss: `/assets/maplibre-gl@${maplibreVersion}/maplibre-gl.css`,
  ogcMapJs: `/assets/ogc-map.${contentHash(ownFiles['ogc-map']!.file)}.js`,
  pagesCss: `/assets/pages.${contentHash(ownFiles.pages!.file)}.css`,
};

const assets = new Map<string, Asset>([
  ...Object.entries(maplibreFiles).map(([name, type]): [string, Asset] => [`/maplibre-gl@${maplibreVersion}/${name}`, { file: join(maplibreDir, name), type }]),
  [assetPaths.ogcMapJs.slice('/assets'.length), ownFiles['ogc-map']!],
  [assetPaths.pagesCss.slice('/assets'.length), ownFiles.pages!],
]);

export function assetRoutes() {
  const app = new Hono<AppEnv>();
  app.get('/*', (c) => {
    const path = c.req.path.slice(c.req.path.indexOf('/assets') + '/assets'.length);
    const found = assets.get(path);
    if (!found) throw new NotFoundError('asset', path);
    const asset = load(found);
    const headers = { 'content-type': asset.type, 'cache-control': 'public, max-age=31536000, immutable', etag: asset.etag };
    if (noneMatch(c.req.header('if-none-match'), asset.etag)) return c.body(null, 304, headers);
    return c.body(asset.bytes as Uint8Array<ArrayBuffer>, 200, headers);
  });
  return app;
}
