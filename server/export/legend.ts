/**
 * Colour overlays with a legend: the overlay (overlay.ts) with a panel to its right listing each class shown —
 * a colour swatch and the class name in the built-in bitmap font — plus the same list as data for a JSON
 * sidecar (`legend.json`), for tools that want the names and colours without reading pixels.
 */
import { drawText, GLYPH_HEIGHT, textWidth } from './font';
import { classColor, composeGrid, IGNORE_COLOR, overlayMask, RgbImage } from './overlay';

export interface LegendEntry {
  /** Class index, or the ignore index. */
  readonly id: number;
  readonly name: string;
  readonly color: readonly [number, number, number];
}

/**
 * Legend rows: every class (`all`), or only the classes present in `mask`; background (class 0) is listed as
 * uncoloured only with `all`, since overlays leave it showing the image. Ignored pixels get a white row.
 */
export function legendEntries(classNames: readonly string[], mask?: ArrayLike<number>, ignoreIndex = 255): LegendEntry[] {
  const present = new Set<number>();
  if (mask) for (let i = 0; i < mask.length; i++) present.add(mask[i]);
  const ids = mask
    ? [...present].filter((c) => c !== 0 && c !== ignoreIndex).sort((x, y) => x - y)
    : classNames.map((_, c) => c);
  const out: LegendEntry[] = ids.map((c) => ({ id: c, name: classNames[c] ?? `class ${c}`, color: classColor(c) }));
  if (mask && present.has(ignoreIndex)) out.push({ id: ignoreIndex, name: 'ignored', color: IGNORE_COLOR });
  return out;
}

/** The legend panel: one row per entry (swatch, then the name in the bitmap font at `scale`). */
export function renderLegend(entries: readonly LegendEntry[], scale = 2): RgbImage {
  const pad = 2 * scale;
  const row = GLYPH_HEIGHT * scale + pad;
  const swatch = GLYPH_HEIGHT * scale;
  const width = pad + swatch + pad + Math.max(0, ...entries.map((e) => textWidth(`${e.id} ${e.name}`, scale))) + pad;
  const height = pad + entries.length * row;
  const img: RgbImage = { width, height, data: new Uint8Array(width * height * 3).fill(32) };
  entries.forEach((e, i) => {
    const top = pad + i * row;
    for (let y = top; y < top + swatch; y++) for (let x = pad; x < pad + swatch; x++) img.data.set(e.color, (y * width + x) * 3);
    drawText(img, `${e.id} ${e.name}`, pad + swatch + pad, top, [235, 235, 235], scale);
  });
  return img;
}

export interface LegendOverlayOptions {
  /** Overlay opacity (0–1), default 0.5. */
  readonly alpha?: number;
  readonly ignoreIndex?: number;
  /** Font scale, default 2 (10-pixel capitals). */
  readonly scale?: number;
  /** List every class, not just those present. */
  readonly all?: boolean;
}

/** Overlay of `mask` on `image` with the legend panel to its right. */
export function overlayWithLegend(image: RgbImage, mask: ArrayLike<number>, classNames: readonly string[], o: LegendOverlayOptions = {}): RgbImage {
  const ignore = o.ignoreIndex ?? 255;
  const overlay = overlayMask(image, mask, o.alpha ?? 0.5, ignore);
  const entries = legendEntries(classNames, o.all ? undefined : mask, ignore);
  if (entries.length === 0) return overlay;
  return composeGrid([[overlay, renderLegend(entries, o.scale ?? 2)]], 0);
}
