/**
 * A tiny built-in 3×5 bitmap font (capitals, digits, common punctuation; lower case is drawn as capitals,
 * anything else as '?'), so legends render the same on every machine with no system fonts (sharp's SVG text
 * needs fontconfig fonts, which minimal servers lack). Each glyph is 5 rows of 3 pixels, '#' = ink.
 */
import type { RgbImage } from './overlay';

const GLYPHS: Readonly<Record<string, string>> = {
  A: '.#. #.# ### #.# #.#', B: '##. #.# ##. #.# ##.', C: '.## #.. #.. #.. .##', D: '##. #.# #.# #.# ##.',
  E: '### #.. ##. #.. ###', F: '### #.. ##. #.. #..', G: '.## #.. #.# #.# .##', H: '#.# #.# ### #.# #.#',
  I: '### .#. .#. .#. ###', J: '..# ..# ..# #.# .#.', K: '#.# #.# ##. #.# #.#', L: '#.. #.. #.. #.. ###',
  M: '#.# ### ### #.# #.#', N: '#.# ### ### ### #.#', O: '.#. #.# #.# #.# .#.', P: '##. #.# ##. #.. #..',
  Q: '.#. #.# #.# ##. .##', R: '##. #.# ##. #.# #.#', S: '.## #.. .#. ..# ##.', T: '### .#. .#. .#. .#.',
  U: '#.# #.# #.# #.# ###', V: '#.# #.# #.# #.# .#.', W: '#.# #.# ### ### #.#', X: '#.# #.# .#. #.# #.#',
  Y: '#.# #.# .#. .#. .#.', Z: '### ..# .#. #.. ###',
  '0': '### #.# #.# #.# ###', '1': '.#. ##. .#. .#. ###', '2': '##. ..# .#. #.. ###', '3': '##. ..# .#. ..# ##.',
  '4': '#.# #.# ### ..# ..#', '5': '### #.. ##. ..# ##.', '6': '.## #.. ### #.# ###', '7': '### ..# .#. .#. .#.',
  '8': '### #.# ### #.# ###', '9': '### #.# ### ..# ##.',
  ' ': '... ... ... ... ...', '-': '... ... ### ... ...', _: '... ... ... ... ###', '.': '... ... ... ... .#.',
  ',': '... ... ... .#. #..', ':': '... .#. ... .#. ...', '/': '..# ..# .#. #.. #..', '(': '.#. #.. #.. #.. .#.',
  ')': '.#. ..# ..# ..# .#.', '+': '... .#. ### .#. ...', "'": '.#. .#. ... ... ...', '?': '##. ..# .#. ... .#.',
  '#': '#.# ### #.# ### #.#', '&': '.#. #.# .#. #.# .##', '=': '... ### ... ### ...', '%': '#.# ..# .#. #.. #.#',
  '!': '.#. .#. .#. ... .#.', '[': '##. #.. #.. #.. ##.', ']': '.## ..# ..# ..# .##', '*': '#.# .#. #.# ... ...',
};

export const GLYPH_WIDTH = 3;
export const GLYPH_HEIGHT = 5;

/** The 5 rows of 3 booleans drawn for `ch`. */
export function glyph(ch: string): boolean[][] {
  const g = GLYPHS[ch.toUpperCase()] ?? GLYPHS['?'];
  return g.split(' ').map((row) => [...row].map((c) => c === '#'));
}

/** Every character the font draws (lower case maps to these). */
export const FONT_CHARS: readonly string[] = Object.keys(GLYPHS);

/** Width in pixels of `text` drawn at `scale` (glyphs 3 wide with 1 pixel between them, times scale). */
export function textWidth(text: string, scale = 1): number {
  return text.length === 0 ? 0 : (text.length * (GLYPH_WIDTH + 1) - 1) * scale;
}

/** Draws `text` into `img` (mutating its data) with its top-left corner at (x, y); clipped at the edges. */
export function drawText(img: RgbImage, text: string, x: number, y: number, color: readonly [number, number, number], scale = 1): void {
  [...text].forEach((ch, i) => {
    const rows = glyph(ch);
    const gx = x + i * (GLYPH_WIDTH + 1) * scale;
    for (let r = 0; r < GLYPH_HEIGHT; r++) {
      for (let c = 0; c < GLYPH_WIDTH; c++) {
        if (!rows[r][c]) continue;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const px = gx + c * scale + dx;
            const py = y + r * scale + dy;
            if (px < 0 || py < 0 || px >= img.width || py >= img.height) continue;
            img.data.set(color, (py * img.width + px) * 3);
          }
        }
      }
    }
  });
}
