// /assets: the scripts and styles the HTML pages use, served by the project itself (never from
// another host): MapLibre GL JS from its npm package under a versioned path, and the pages' own
// script and style under a content-hashed name. Both paths change when the bytes do, so they are
// cached for a year (`immutable`). Files are read once from disk and kept in memory, and so is
// each compressed variant, made at its first request: Brotli (quality 11) when the client takes
// br, else gzip (level 9), else the bytes as they are. MapLibre is most of a first view's weight,
// and quality 11 is what brings it under budget; compress() leaves a response with a
// Content-Encoding alone, so nothing is compressed twice.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import { Hono } from 'hono';
import maplibrePackage from 'maplibre-gl/package.json' with { type: 'json' };
import type { AppEnv } from '../app-env.js';
import { acceptsCoding } from '../http/encoding.js';
import { noneMatch } from '../http/entity.js';
import { NotFoundError } from '../http/errors.js';

interface Asset {
  file: string;
  type: string;
  bytes?: Uint8Array;
  etag?: string;
  /** The compressed variants made so far. */
  encoded?: Partial<Record<Coding, Uint8Array>>;
}

type Coding = 'br' | 'gzip';

/** The asset's bytes in `coding`, compressed at the first request for it and kept. */
function encodedAsset(asset: Required<Pick<Asset, 'bytes'>> & Asset, coding: Coding): Uint8Array {
  asset.encoded ??= {};
  asset.encoded[coding] ??=
    coding === 'br'
      ? brotliCompressSync(asset.bytes, {
          params: {
            [zlibConstants.BROTLI_PARAM_QUALITY]: 11,
            [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT,
            [zlibConstants.BROTLI_PARAM_SIZE_HINT]: asset.bytes.byteLength,
          },
        })
      : gzipSync(asset.bytes, { level: 9 });
  return asset.encoded[coding];
}

const maplibreVersion = maplibrePackage.version;
const javascript = 'text/javascript; charset=utf-8';
const css = 'text/css; charset=utf-8';

// The worker is loaded by maplibre-gl.mjs from its own directory (new URL(…, import.meta.url)).
const maplibreFiles: Record<string, string> = {
  'maplibre-gl.mjs': javascript,
  'maplibre-gl-worker.mjs': javascript,
  'maplibre-gl.css': css,
};

export interface AssetPaths {
  maplibreJs: string;
  maplibreCss: string;
  pagesCss: string;
}

let built: { paths: AssetPaths; assets: Map<string, Asset> } | undefined;

/**
 * What `src/web/build.ts` wrote for a static host (Workers `[assets]`): the paths of every
 * asset, the client bundles by name. A runtime without the files (Workers) links these.
 */
export interface BuiltAssets {
  paths: AssetPaths;
  clients: Record<string, string>;
}

/** Where the Worker finds the manifest among the static files (not under /assets: it changes with them). */
export const manifestPath = '/assets-manifest.json';

/** Link the files a build wrote (the host serves them) instead of reading and bundling them here. */
export function useBuiltAssets(manifest: BuiltAssets): void {
  built = { paths: manifest.paths, assets: new Map() };
  clientBundles.clear();
  for (const [name, path] of Object.entries(manifest.clients))
    clientBundles.set(name, { path, asset: { file: '', type: javascript } });
}

function load(asset: Asset): Required<Asset> {
  if (!asset.bytes) {
    asset.bytes = new Uint8Array(readFileSync(asset.file));
    asset.etag = `"${createHash('sha1').update(asset.bytes).digest('base64url').slice(0, 16)}"`;
  }
  return asset as Required<Asset>;
}

// Resolved on first use, not at module load: a runtime without these files on disk (Workers)
// still starts; its pages then link assets that answer 404 and draw no map.
function build(): { paths: AssetPaths; assets: Map<string, Asset> } {
  if (built) return built;
  let maplibreDir = '';
  let here = '';
  let hash = (_file: string) => 'unavailable';
  try {
    maplibreDir = join(dirname(createRequire(import.meta.url).resolve('maplibre-gl/package.json')), 'dist');
    here = dirname(fileURLToPath(import.meta.url));
    hash = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 10);
  } catch {
    // No file system to read from.
  }
  const own = (file: string, type: string) => ({ file: join(here, file), type });
  const pages = own('pages.css', css);
  const paths: AssetPaths = {
    maplibreJs: `/assets/maplibre-gl@${maplibreVersion}/maplibre-gl.mjs`,
    maplibreCss: `/assets/maplibre-gl@${maplibreVersion}/maplibre-gl.css`,
    pagesCss: `/assets/pages.${safeHash(hash, pages.file)}.css`,
  };
  const assets = new Map<string, Asset>([
    ...Object.entries(maplibreFiles).map(([name, type]): [string, Asset] => [
      `/maplibre-gl@${maplibreVersion}/${name}`,
      { file: join(maplibreDir, name), type },
    ]),
    [paths.pagesCss.slice('/assets'.length), pages],
  ]);
  built = { paths, assets };
  return built;
}

// The pages' client scripts: each `src/web/client/<name>.ts` bundled by esbuild (ES module,
// minified) the first time a page links it, kept in memory and served under the hash of its bytes.
// MapLibre stays outside the bundle: a script imports it from the URL the page hands it.
const clientBundles = new Map<string, { path: string; asset: Asset }>();

/** The content-hashed path of the bundle of `src/web/client/<name>.ts` (built on first use). */
export function clientScript(name: string): string {
  const known = clientBundles.get(name);
  if (known) return known.path;
  const here = dirname(fileURLToPath(import.meta.url));
  // Required here, not imported: esbuild runs on Node only, and a Worker (which links the
  // bundles src/web/build.ts wrote) never gets here, so its bundle need not carry esbuild.
  const { buildSync } = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  const result = buildSync({
    entryPoints: [join(here, 'client', `${name}.ts`)],
    bundle: true,
    format: 'esm',
    minify: true,
    target: 'es2022',
    write: false,
    legalComments: 'none',
  });
  const bytes = result.outputFiles[0]?.contents ?? new Uint8Array();
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 10);
  const path = `/assets/${name}.${digest}.js`;
  const asset: Asset = { file: '', type: javascript, bytes, etag: `"${digest}"` };
  clientBundles.set(name, { path, asset });
  build().assets.set(path.slice('/assets'.length), asset);
  return path;
}

function safeHash(hash: (file: string) => string, file: string): string {
  try {
    return hash(file);
  } catch {
    return 'unavailable';
  }
}

/** Every asset's path under /assets and its bytes (the client bundles built so far included), for a build. */
export function assetFiles(): Array<{ path: string; bytes: Uint8Array }> {
  return [...build().assets].map(([path, asset]) => ({ path, bytes: load(asset).bytes }));
}

/** The manifest of what assetFiles() holds, for useBuiltAssets. */
export function builtAssets(): BuiltAssets {
  return {
    paths: build().paths,
    clients: Object.fromEntries([...clientBundles].map(([name, bundle]) => [name, bundle.path])),
  };
}

/** Absolute paths of the assets, versioned or content-hashed, for the pages to link. */
export function assetPaths(): AssetPaths {
  return build().paths;
}

export function assetRoutes() {
  const app = new Hono<AppEnv>();
  app.get('/*', (c) => {
    const path = c.req.path.slice(c.req.path.indexOf('/assets') + '/assets'.length);
    const found = build().assets.get(path);
    if (!found) throw new NotFoundError('asset', path);
    let asset: Required<Asset>;
    try {
      asset = load(found);
    } catch {
      throw new NotFoundError('asset', path);
    }
    const accepted = c.req.header('accept-encoding');
    const coding = acceptsCoding(accepted, 'br') ? 'br' : acceptsCoding(accepted, 'gzip') ? 'gzip' : undefined;
    // Each variant is its own representation of the URL: its own strong tag, the plain one suffixed.
    const etag = coding ? `${asset.etag.slice(0, -1)}-${coding}"` : asset.etag;
    const headers: Record<string, string> = {
      'content-type': asset.type,
      'cache-control': 'public, max-age=31536000, immutable',
      vary: 'accept-encoding',
      etag,
    };
    if (coding) headers['content-encoding'] = coding;
    if (noneMatch(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
    const bytes = coding ? encodedAsset(asset, coding) : asset.bytes;
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, headers);
  });
  return app;
}
