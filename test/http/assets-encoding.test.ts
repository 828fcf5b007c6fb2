// /assets served pre-compressed: Brotli when Accept-Encoding takes br, else gzip, else the bytes
// as they are; every variant decodes to the same bytes, carries its own ETag (the plain one
// suffixed), answers 304 to its own tag only, and says Vary: Accept-Encoding. compress() does not
// compress again (one Content-Encoding, the body decodes once).
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetPaths, clientScript } from '../../src/web/assets.js';
import { openTestApp, type TestContext } from '../support/app.js';

describe('/assets per Accept-Encoding', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await openTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const cases: Array<{ accept: string | undefined; coding: 'br' | 'gzip' | undefined }> = [
    { accept: 'gzip, deflate, br', coding: 'br' },
    { accept: 'br;q=0.5', coding: 'br' },
    { accept: '*', coding: 'br' },
    { accept: 'gzip', coding: 'gzip' },
    { accept: 'br;q=0, gzip', coding: 'gzip' },
    { accept: 'identity', coding: undefined },
    { accept: undefined, coding: undefined },
  ];

  it('sends br, gzip or identity bodies that decode to the same bytes, each with its ETag and Vary', async () => {
    const paths = [assetPaths().maplibreJs, assetPaths().maplibreCss, assetPaths().pagesCss, clientScript('ogc-map')];
    for (const path of paths) {
      const plain = await t.get(path, { headers: { 'accept-encoding': 'identity' } });
      const bytes = Buffer.from(await plain.arrayBuffer());
      const plainTag = plain.headers.get('etag') ?? '';
      expect(plainTag).toMatch(/^"[^"]+"$/);
      for (const { accept, coding } of cases) {
        const what = `${path} ${accept}`;
        const res = await t.get(path, accept ? { headers: { 'accept-encoding': accept } } : undefined);
        expect(res.status, what).toBe(200);
        expect(res.headers.get('vary')?.toLowerCase(), what).toContain('accept-encoding');
        expect(res.headers.get('content-encoding'), what).toBe(coding ?? null);
        const body = Buffer.from(await res.arrayBuffer());
        const decoded = coding === 'br' ? brotliDecompressSync(body) : coding === 'gzip' ? gunzipSync(body) : body;
        expect(decoded.equals(bytes), what).toBe(true);
        if (coding) expect(body.length, what).toBeLessThan(bytes.length);
        const tag = res.headers.get('etag');
        expect(tag, what).toBe(coding ? `${plainTag.slice(0, -1)}-${coding}"` : plainTag);
      }
    }
  });

  it('answers 304 to each variant’s own tag, 200 to another variant’s', async () => {
    const path = assetPaths().maplibreJs;
    const tags = new Map<string, string>();
    for (const coding of ['br', 'gzip', 'identity']) {
      const res = await t.get(path, { headers: { 'accept-encoding': coding } });
      await res.arrayBuffer();
      tags.set(coding, res.headers.get('etag') ?? '');
    }
    expect(new Set(tags.values()).size).toBe(3);
    for (const [coding, tag] of tags) {
      const same = await t.get(path, { headers: { 'accept-encoding': coding, 'if-none-match': tag } });
      expect(same.status, coding).toBe(304);
      expect(same.headers.get('etag')).toBe(tag);
      expect(same.headers.get('vary')?.toLowerCase()).toContain('accept-encoding');
      for (const [other, otherTag] of tags) {
        if (other === coding) continue;
        const res = await t.get(path, { headers: { 'accept-encoding': coding, 'if-none-match': otherTag } });
        expect(res.status, `${coding} with ${other}'s tag`).toBe(200);
        await res.arrayBuffer();
      }
    }
  });
});
