// Glyph ranges (MapLibre SDF PBF) for the style's labels, served by the project so no map needs
// a font host. The files under tiles/fonts/ are built by tiles/fonts/build-glyphs.ts.
// A range the font lacks is answered with an empty, valid range (MapLibre then draws nothing
// for those code points instead of failing the whole label).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PbfWriter } from 'pbf';

// Resolved on first use (not at module load), like every file this app reads.
const fontsDir = () => join(dirname(fileURLToPath(import.meta.url)), 'fonts');
/** The fonts we have glyphs for; a font stack is served by its first member we know. */
export const glyphFonts = ['Noto Sans Regular'];

const loaded = new Map<string, Uint8Array>();

/** `start-end` of a 256-code-point range, or undefined when the text is not one. */
export function parseGlyphRange(text: string): number | undefined {
  const match = /^(\d{1,5})-(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  const start = Number(match[1]);
  return start % 256 === 0 && Number(match[2]) === start + 255 && start <= 65280 ? start : undefined;
}

/** The glyphs of a font stack ("A,B") in one range; null when no font of the stack is ours. */
export function glyphRange(fontstack: string, start: number): Uint8Array | null {
  const font = fontstack
    .split(',')
    .map((f) => f.trim())
    .find((f) => glyphFonts.includes(f));
  if (!font) return null;
  const key = `${font}/${start}`;
  let bytes = loaded.get(key);
  if (!bytes) {
    const file = join(fontsDir(), font, `${start}-${start + 255}.pbf`);
    bytes = existsSync(file) ? new Uint8Array(readFileSync(file)) : emptyRange(font, start);
    loaded.set(key, bytes);
  }
  return bytes;
}

function emptyRange(font: string, start: number): Uint8Array {
  const pbf = new PbfWriter();
  pbf.writeMessage(
    1,
    (_: unknown, out: PbfWriter) => {
      out.writeStringField(1, font);
      out.writeStringField(2, `${start}-${start + 255}`);
    },
    undefined,
  );
  return pbf.finish();
}
