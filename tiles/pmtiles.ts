// A PMTiles v3 archive writer (https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md),
// for static tiles behind a CDN: the 127-byte header, a root directory within the first 16 KiB,
// leaf directories when the root would not fit, and the tile data clustered (in tile id order).
// Directory entries are varints (ids as deltas, run lengths, lengths, offsets as 0 when a tile
// follows the previous one), gzipped; identical tiles are stored once, and a run of consecutive
// ids with the same content is one entry with its run length.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export interface PmtilesTile {
  z: number;
  x: number;
  y: number;
  /** The tile as served (here gzipped MVT, `tileCompression` says so). */
  bytes: Uint8Array;
}

export interface PmtilesOptions {
  /** JSON metadata (vector_layers, name, attribution…). */
  metadata: object;
  /** [minLon, minLat, maxLon, maxLat] */
  bounds: [number, number, number, number];
  minzoom: number;
  maxzoom: number;
  center?: [number, number, number];
}

interface Entry {
  tileId: number;
  offset: number;
  length: number;
  runLength: number;
}

const HEADER_BYTES = 127;
const ROOT_LIMIT = 16_384 - HEADER_BYTES;
const Compression = { none: 1, gzip: 2 } as const;
const MVT = 1;

/** The Hilbert tile id of the spec: the tiles of every lower zoom, then the position on z's curve. */
export function tileId(z: number, x: number, y: number): number {
  let id = 0;
  for (let i = 0; i < z; i++) id += 4 ** i;
  const n = 2 ** z;
  let d = 0;
  for (let s = n / 2; s >= 1; s /= 2) {
    const rx = (x & s) > 0 ? 1 : 0;
    const ry = (y & s) > 0 ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    // Rotate the quadrant, as the curve does.
    if (ry === 0) {
      if (rx === 1) {
        x = s - 1 - x;
        y = s - 1 - y;
      }
      [x, y] = [y, x];
    }
  }
  return id + d;
}

function varints(values: number[]): Uint8Array {
  const out: number[] = [];
  for (let value of values) {
    // Numbers beyond 2^31 (offsets of large archives): arithmetic, not bit operators.
    while (value >= 0x80) {
      out.push((value % 0x80) | 0x80);
      value = Math.floor(value / 0x80);
    }
    out.push(value);
  }
  return Uint8Array.from(out);
}

/** A directory as the spec serialises it, gzipped. */
function directoryBytes(entries: Entry[]): Uint8Array {
  const values: number[] = [entries.length];
  let last = 0;
  for (const e of entries) {
    values.push(e.tileId - last);
    last = e.tileId;
  }
  for (const e of entries) values.push(e.runLength);
  for (const e of entries) values.push(e.length);
  entries.forEach((e, i) => {
    const previous = entries[i - 1];
    values.push(previous && e.offset === previous.offset + previous.length ? 0 : e.offset + 1);
  });
  return gzipSync(varints(values));
}

/** The root directory, and the leaves it points to when all entries do not fit in the root. */
function directories(entries: Entry[]): { root: Uint8Array; leaves: Uint8Array } {
  const root = directoryBytes(entries);
  if (root.length <= ROOT_LIMIT) return { root, leaves: new Uint8Array(0) };
  for (let leafSize = 4096; ; leafSize = Math.ceil(leafSize * 1.2)) {
    const leafParts: Uint8Array[] = [];
    const pointers: Entry[] = [];
    let offset = 0;
    for (let i = 0; i < entries.length; i += leafSize) {
      const leaf = directoryBytes(entries.slice(i, i + leafSize));
      pointers.push({ tileId: entries[i]!.tileId, offset, length: leaf.length, runLength: 0 });
      leafParts.push(leaf);
      offset += leaf.length;
    }
    const rootOfLeaves = directoryBytes(pointers);
    if (rootOfLeaves.length <= ROOT_LIMIT) return { root: rootOfLeaves, leaves: Buffer.concat(leafParts) };
  }
}

const e7 = (degrees: number) => Math.round(degrees * 1e7);

/** The whole archive. Tiles may come in any order; an empty tile is simply left out. */
export function writePmtiles(tiles: PmtilesTile[], options: PmtilesOptions): Uint8Array {
  const sorted = tiles.map((t) => ({ id: tileId(t.z, t.x, t.y), bytes: t.bytes })).sort((a, b) => a.id - b.id);
  const entries: Entry[] = [];
  const data: Uint8Array[] = [];
  const stored = new Map<string, { offset: number; length: number }>();
  let dataLength = 0;
  for (const { id, bytes } of sorted) {
    const hash = createHash('sha256').update(bytes).digest('base64');
    const last = entries[entries.length - 1];
    const known = stored.get(hash);
    // The same content as the previous id: one entry, one run longer.
    if (last && known && last.offset === known.offset && last.tileId + last.runLength === id) {
      last.runLength++;
      continue;
    }
    const at = known ?? { offset: dataLength, length: bytes.length };
    if (!known) {
      stored.set(hash, at);
      data.push(bytes);
      dataLength += bytes.length;
    }
    entries.push({ tileId: id, offset: at.offset, length: at.length, runLength: 1 });
  }
  const { root, leaves } = directories(entries);
  const metadata = gzipSync(Buffer.from(JSON.stringify(options.metadata)));
  const header = new DataView(new ArrayBuffer(HEADER_BYTES));
  const bytes = new Uint8Array(header.buffer);
  bytes.set(new TextEncoder().encode('PMTiles'), 0);
  header.setUint8(7, 3);
  const sections = [
    [HEADER_BYTES, root.length],
    [HEADER_BYTES + root.length, metadata.length],
    [HEADER_BYTES + root.length + metadata.length, leaves.length],
    [HEADER_BYTES + root.length + metadata.length + leaves.length, dataLength],
  ];
  sections.forEach(([offset, length], i) => {
    header.setBigUint64(8 + i * 16, BigInt(offset!), true);
    header.setBigUint64(16 + i * 16, BigInt(length!), true);
  });
  header.setBigUint64(72, BigInt(sorted.length), true); // addressed tiles
  header.setBigUint64(80, BigInt(entries.length), true); // tile entries
  header.setBigUint64(88, BigInt(stored.size), true); // distinct contents
  header.setUint8(96, 1); // clustered
  header.setUint8(97, Compression.gzip); // directories and metadata
  header.setUint8(98, Compression.gzip); // tiles
  header.setUint8(99, MVT);
  header.setUint8(100, options.minzoom);
  header.setUint8(101, options.maxzoom);
  const [minLon, minLat, maxLon, maxLat] = options.bounds;
  header.setInt32(102, e7(minLon), true);
  header.setInt32(106, e7(minLat), true);
  header.setInt32(110, e7(maxLon), true);
  header.setInt32(114, e7(maxLat), true);
  const center = options.center ?? [(minLon + maxLon) / 2, (minLat + maxLat) / 2, options.minzoom];
  header.setUint8(118, center[2]);
  header.setInt32(119, e7(center[0]), true);
  header.setInt32(123, e7(center[1]), true);
  const archive = Buffer.concat([bytes, root, metadata, leaves, ...data]);
  // A plain Uint8Array: a Buffer's slice() would share memory where callers expect a copy.
  return new Uint8Array(archive.buffer, archive.byteOffset, archive.length);
}
