// The one answer to a tile request, whichever path serves it (the tile routes, or fast-path.ts
// for a cache hit): status, headers (Cache-Control by `?v=`, X-Tile-Cache, Vary, ETag,
// Content-Type, Content-Encoding) and bytes. The gzip and the plain bytes are two
// representations of one URL (Vary: accept-encoding), so they carry two strong ETags;
// If-None-Match is compared with the one the response would carry.
import { promisify } from 'node:util';
import { gzip as zlibGzip } from 'node:zlib';
import { acceptsCoding } from '../http/encoding.js';
import { noneMatch } from '../http/entity.js';
import { mediaTypes } from '../http/media.js';

// Tiles the cache hands out are the same objects on every hit: remember their tag and gzip
// (node:zlib and WebCrypto also run on Workers with nodejs_compat).
const tags = new WeakMap<Uint8Array, Promise<string>>();
const gzipped = new WeakMap<Uint8Array, Promise<Uint8Array>>();
const gzipAsync = promisify(zlibGzip) as (bytes: Uint8Array) => Promise<Uint8Array>;

/** Whether an Accept-Encoding header takes gzip (`gzip;q=0` refuses it). */
export const acceptsGzip = (header: string | undefined): boolean => acceptsCoding(header, 'gzip');

/** The digest behind a tile's tags: SHA-1, base64url, 16 characters. WebCrypto's digest runs in
 *  libuv's thread pool on Node (not on the event loop), once per tile object. */
function digestOf(bytes: Uint8Array): Promise<string> {
  let digest = tags.get(bytes);
  if (!digest) {
    digest = crypto.subtle
      .digest('SHA-1', bytes as Uint8Array<ArrayBuffer>)
      .then((hash) => Buffer.from(hash).toString('base64url').slice(0, 16));
    tags.set(bytes, digest);
  }
  return digest;
}

/** The tag of the plain bytes; the gzip representation's is the same digest with `-gzip`. */
export async function entityTagOf(bytes: Uint8Array, encoding: 'gzip' | 'identity'): Promise<string> {
  const digest = await digestOf(bytes);
  return encoding === 'gzip' ? `"${digest}-gzip"` : `"${digest}"`;
}

/** Gzipped once per tile object, in libuv's thread pool (zlib's async form), not on the event
 *  loop: other requests are served while a new 20 KB tile compresses. */
export function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  let out = gzipped.get(bytes);
  if (!out) {
    out = gzipAsync(bytes);
    gzipped.set(bytes, out);
  }
  return out;
}

export interface TileAnswer {
  status: 200 | 204 | 304;
  headers: Record<string, string>;
  body: Uint8Array | null;
}

/** What the request's own headers change in the answer. */
export interface TileConditions {
  /** `?v=` as given (a versioned URL may be kept for a day). */
  v: string | undefined;
  acceptEncoding: string | undefined;
  ifNoneMatch: string | undefined;
}

/**
 * The answer for a tile's bytes (null: no feature, 204); `hit`: no layer tile was built.
 * `shedGzip`: a tile just built goes out plain even to a client that takes gzip (the machine's
 * cores are saturated, src/http/cpu-load.ts); its gzip is made by the first hit that asks, and
 * kept. The plain bytes are a representation of the URL like the other (Vary, their own ETag).
 */
export async function tileAnswer(
  bytes: Uint8Array | null,
  hit: boolean,
  request: TileConditions,
  shedGzip = false,
): Promise<TileAnswer> {
  const headers: Record<string, string> = {
    // A versioned URL (from TileJSON) changes when the data does; a bare one must revalidate.
    'cache-control':
      request.v !== undefined ? 'public, max-age=86400, stale-while-revalidate=3600' : 'public, no-cache',
    'x-tile-cache': hit ? 'hit' : 'miss',
    vary: 'accept-encoding',
  };
  if (!bytes) return { status: 204, headers, body: null };
  // Shed only a tile that has no gzip yet: one already made (or being made) costs nothing more.
  const shed = shedGzip && !hit && !gzipped.has(bytes);
  const encoding = acceptsGzip(request.acceptEncoding) && !shed ? 'gzip' : 'identity';
  headers.etag = await entityTagOf(bytes, encoding);
  if (noneMatch(request.ifNoneMatch, headers.etag)) return { status: 304, headers, body: null };
  headers['content-type'] = mediaTypes.mvt;
  if (encoding === 'identity') return { status: 200, headers, body: bytes };
  headers['content-encoding'] = 'gzip';
  return { status: 200, headers, body: await gzip(bytes) };
}
