// The pages' static files for a host that serves them itself (Cloudflare Workers `[assets]`,
// wrangler.toml): every /assets file (MapLibre, the stylesheet, the OGC map script and each client
// script bundled by esbuild, under the same content-hashed names Node serves), the glyph ranges of
// /tiles/fonts, a `_headers` file giving /assets a year of cache, and `assets-manifest.json`, which
// the Worker reads at its first request (useBuiltAssets) so that its pages link these files.
// The files are written uncompressed: Cloudflare's asset server compresses them itself (Brotli or
// gzip per Accept-Encoding), which Node's /assets does with its kept variants (assets.ts).
//
//   npx tsx src/web/build.ts [directory]     (default: dist/static)
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { glyphFonts, glyphRange } from '../../tiles/glyphs.js';
import { assetFiles, builtAssets, clientScript, manifestPath, type BuiltAssets } from './assets.js';

export const defaultStaticDir = 'dist/static';

const clientDir = join(dirname(fileURLToPath(import.meta.url)), 'client');

function write(file: string, bytes: Uint8Array | string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
}

/** Writes the static files into `dir` (emptied first) and returns the manifest. */
export function writeStaticAssets(dir: string): BuiltAssets {
  rmSync(dir, { recursive: true, force: true });
  // Every client script is an entry but dom.ts, the helpers they share (client/README.md).
  for (const file of readdirSync(clientDir))
    if (file.endsWith('.ts') && file !== 'dom.ts') clientScript(file.slice(0, -'.ts'.length));
  for (const { path, bytes } of assetFiles()) write(join(dir, 'assets', path), bytes);
  for (const font of glyphFonts)
    for (let start = 0; start <= 65280; start += 256)
      write(
        join(dir, 'tiles', 'fonts', font, `${start}-${start + 255}.pbf`),
        glyphRange(font, start) ?? new Uint8Array(),
      );
  write(join(dir, '_headers'), '/assets/*\n  Cache-Control: public, max-age=31536000, immutable\n');
  // Cloudflare's asset server answers `@` (MapLibre's versioned directory) with a 307 to `%40`:
  // the Worker links the form it serves.
  const { paths, clients } = builtAssets();
  const manifest: BuiltAssets = {
    paths: Object.fromEntries(
      Object.entries(paths).map(([name, path]) => [name, path.replaceAll('@', '%40')]),
    ) as BuiltAssets['paths'],
    clients,
  };
  write(join(dir, manifestPath), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const dir = resolve(process.argv[2] ?? defaultStaticDir);
  const manifest = writeStaticAssets(dir);
  console.log(
    `wrote ${dir}: ${Object.keys(manifest.clients).length} client scripts, MapLibre, glyphs, ${manifestPath}`,
  );
}
