// The static build for Workers (src/web/build.ts): the files it writes are the bytes Node serves
// under the same paths, the glyph ranges of /tiles/fonts, a year of cache for /assets; and a
// Worker with the ASSETS binding links what the manifest names.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { glyphRange } from '../../tiles/glyphs.js';
import { assetPaths, assetRoutes, clientScript, manifestPath, type BuiltAssets } from '../../src/web/assets.js';
import { writeStaticAssets } from '../../src/web/build.js';
import worker from '../../src/worker.js';

const dir = mkdtempSync(join(tmpdir(), 'foncier-static-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('src/web/build.ts', () => {
  it('writes every asset under the path and with the bytes Node serves, glyphs, headers and the manifest', async () => {
    const manifest = writeStaticAssets(dir);
    const paths = assetPaths();
    for (const [name, path] of Object.entries(paths))
      expect(manifest.paths[name as keyof typeof paths], name).toBe(path.replace('@', '%40'));
    expect(manifest.clients.home).toBe(clientScript('home'));
    expect(manifest.clients).not.toHaveProperty('dom');
    expect(JSON.parse(readFileSync(join(dir, manifestPath), 'utf8'))).toEqual(manifest);
    const served = assetRoutes();
    const files = [
      ...Object.values(paths),
      ...Object.values(manifest.clients),
      paths.maplibreJs.replace('maplibre-gl.mjs', 'maplibre-gl-worker.mjs'),
    ];
    for (const path of files) {
      const response = await served.request(`http://localhost${path}`);
      expect(response.status, path).toBe(200);
      const bytes = Buffer.from(await response.arrayBuffer());
      expect(readFileSync(join(dir, path)).equals(bytes), path).toBe(true);
    }
    for (const start of [0, 256, 65280]) {
      const file = join(dir, 'tiles', 'fonts', 'Noto Sans Regular', `${start}-${start + 255}.pbf`);
      expect(
        Buffer.from(readFileSync(file)).equals(Buffer.from(glyphRange('Noto Sans Regular', start) ?? [])),
        file,
      ).toBe(true);
    }
    expect(readFileSync(join(dir, '_headers'), 'utf8')).toContain(
      '/assets/*\n  Cache-Control: public, max-age=31536000, immutable',
    );
    expect(existsSync(join(dir, 'assets', 'dom.ts'))).toBe(false);
  });

  it('a Worker with the ASSETS binding reads the manifest once and links its files', async () => {
    const manifest: BuiltAssets = {
      paths: {
        maplibreJs: '/assets/maplibre-gl@0.0.0/maplibre-gl.mjs',
        maplibreCss: '/assets/maplibre-gl@0.0.0/maplibre-gl.css',
        pagesCss: '/assets/pages.0000000000.css',
      },
      clients: { home: '/assets/home.0000000000.js' },
    };
    const asked: string[] = [];
    const ASSETS = {
      fetch: async (input: string) => {
        asked.push(new URL(input).pathname);
        return new Response(JSON.stringify(manifest), { headers: { 'content-type': 'application/json' } });
      },
    };
    const env = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', ASSETS };
    const ctx = { waitUntil: () => {} };
    for (let i = 0; i < 2; i++) {
      const response = await worker.fetch(new Request('https://foncier.example/healthz'), env, ctx);
      expect(response.status).toBe(200);
    }
    expect(asked).toEqual([manifestPath]);
    expect(assetPaths()).toEqual(manifest.paths);
    expect(clientScript('home')).toBe(manifest.clients.home);
  });
});
