/// <reference lib="dom" />
// Builds the MapLibre glyph ranges (SDF PBF, the format of fontnik and node-fontnik: 24 px,
// 3 px buffer, radius 8, cutoff 0.25) of Noto Sans Regular (SIL OFL 1.1, from the
// @fontsource/noto-sans npm package) that the style's labels use, into tiles/fonts/<font>/.
// No npm package ships ready glyph ranges, so they are rendered once here: headless Chromium
// draws each glyph with @mapbox/tiny-sdf (the SDF code MapLibre GL JS itself uses for local
// glyphs) and this script writes the PBFs, which are committed.
//   npx tsx tiles/fonts/build-glyphs.ts     (needs /usr/bin/chromium)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PbfWriter as Pbf } from 'pbf';
import { chromium } from 'playwright-core';

export const glyphFont = 'Noto Sans Regular';
/** Basic Latin + Latin-1, Latin Extended-A/B, General Punctuation (U+202F, French thousands). */
export const glyphRanges = [0, 256, 8192];

interface Glyph {
  id: number;
  bitmap: number[];
  width: number;
  height: number;
  left: number;
  top: number;
  advance: number;
}

/** What @mapbox/tiny-sdf's `draw` returns for one character. */
interface SdfGlyph {
  data: Uint8ClampedArray;
  width: number;
  height: number;
  glyphWidth: number;
  glyphHeight: number;
  glyphTop: number;
  glyphLeft: number;
  glyphAdvance: number;
}

/** The TinySDF class, as the page's script defines it on window. */
type TinySdfWindow = { TinySDF: new (options: object) => { draw(c: string): SdfGlyph } };

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));

function fontFaceCss(): string {
  const dir = dirname(require.resolve('@fontsource/noto-sans/package.json'));
  const css = readFileSync(join(dir, '400.css'), 'utf8');
  // Inline the woff2 files (the page has no server) and drop the woff fallbacks.
  return css
    .replace(/, url\(\.\/files\/[^)]+\.woff\) format\('woff'\)/g, '')
    .replace(/url\(\.\/files\/([^)]+\.woff2)\)/g, (_, file: string) => {
      const base64 = readFileSync(join(dir, 'files', file)).toString('base64');
      return `url(data:font/woff2;base64,${base64})`;
    })
    .replace(/font-family: 'Noto Sans'/g, "font-family: 'Noto Sans Build'");
}

/** The code point intervals the font's subsets declare (their unicode-range). */
function coveredRanges(css: string): [number, number][] {
  return [...css.matchAll(/unicode-range: ([^;]+);/g)].flatMap((m) =>
    m[1]!.split(',').map((part): [number, number] => {
      const [lo, hi] = part.trim().replace(/^U\+/, '').split('-');
      return [parseInt(lo!, 16), parseInt(hi ?? lo!, 16)];
    }),
  );
}

function encodeRange(start: number, glyphs: Glyph[]): Uint8Array {
  const pbf = new Pbf();
  pbf.writeMessage(1, (_: unknown, out: Pbf) => {
    out.writeStringField(1, glyphFont);
    out.writeStringField(2, `${start}-${start + 255}`);
    for (const g of glyphs) {
      out.writeMessage(3, (_g: unknown, o: Pbf) => {
        o.writeVarintField(1, g.id);
        if (g.bitmap.length > 0) o.writeBytesField(2, new Uint8Array(g.bitmap));
        o.writeVarintField(3, g.width);
        o.writeVarintField(4, g.height);
        o.writeSVarintField(5, g.left);
        o.writeSVarintField(6, g.top);
        o.writeVarintField(7, g.advance);
      }, undefined);
    }
  }, undefined);
  return pbf.finish();
}

async function main() {
  const tinySdf = readFileSync(require.resolve('@mapbox/tiny-sdf'), 'utf8').replace(
    'export default class TinySDF',
    'window.TinySDF = class TinySDF',
  );
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage();
    const css = fontFaceCss();
    const covered = coveredRanges(css);
    await page.setContent(`<!doctype html><style>${css}</style><script>${tinySdf}</script>`);
    const outDir = join(here, glyphFont);
    mkdirSync(outDir, { recursive: true });
    for (const start of glyphRanges) {
      const glyphs = await page.evaluate(async ({ start, covered }) => {
        // Only the code points the font has: others would be drawn with a system fallback font.
        const chars: string[] = [];
        for (let id = start; id < start + 256; id++) {
          const c = String.fromCodePoint(id);
          const drawable = !/[\p{Cc}\p{Cs}\p{Cn}\p{Z}]/u.test(c) && covered.some(([lo, hi]) => id >= lo && id <= hi);
          if (id === 32 || drawable) chars.push(c);
        }
        await document.fonts.load('24px "Noto Sans Build"', chars.join(''));
        const sdf = new (window as unknown as TinySdfWindow).TinySDF({
          fontSize: 24,
          buffer: 3,
          radius: 8,
          cutoff: 0.25,
          fontFamily: '"Noto Sans Build"',
          fontWeight: '400',
        });
        return chars.map((c) => {
          const g = sdf.draw(c);
          const empty = g.glyphWidth === 0 || g.glyphHeight === 0;
          return {
            id: c.codePointAt(0)!,
            bitmap: empty ? [] : Array.from(g.data),
            width: g.glyphWidth,
            height: g.glyphHeight,
            left: g.glyphLeft,
            // MapLibre places a glyph's top relative to a 24 px em box whose baseline is 27 units down.
            top: g.glyphTop - 27,
            advance: Math.round(g.glyphAdvance),
          };
        });
      }, { start, covered });
      const bytes = encodeRange(start, glyphs);
      writeFileSync(join(outDir, `${start}-${start + 255}.pbf`), bytes);
      console.log(`${glyphFont} ${start}-${start + 255}: ${glyphs.length} glyphs, ${bytes.length} bytes`);
    }
  } finally {
    await browser.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
