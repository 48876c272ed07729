// tiles.js — the album tile's shape and image sources (pure; album.js, and the built
// page's boot script, which preloads the first tiles' images with the same sources).
import { safeUrl } from './url.js';

export const ROW_HEIGHT = 200; // the grid's target row height in CSS pixels (CSS sets --row-h)
const GRID_H = 400;
const GRID_MAX_W = 1600;

// width / height of a photo, from the API's numeric strings; 3:2 when unknown.
export function aspectOf(photo) {
  const w = Number(photo && photo.width);
  const hgt = Number(photo && photo.height);
  if (!Number.isFinite(w) || !Number.isFinite(hgt) || w <= 0 || hgt <= 0) return 1.5;
  return Math.min(Math.max(w / hgt, 0.25), 4);
}

// The tile's image sources: the grid image (bounded height, for sharp rows and 2x
// screens) with the 300x200 thumbnail as the small candidate; sizes is the tile's width
// at the row height (rows grow a little to fill the width, so 1.3x of it).
export function tileSources(photo, rowHeight = ROW_HEIGHT) {
  const thumb = safeUrl(photo.thumb_url);
  const grid = safeUrl(photo.grid_url);
  if (!thumb) return null;
  const ar = aspectOf(photo);
  if (!grid) return { src: thumb };
  const thumbW = Math.max(1, Math.round(Math.min(300, 200 * ar)));
  const gridW = Math.max(1, Math.round(Math.min(GRID_MAX_W, GRID_H * ar)));
  return {
    src: grid,
    srcset: `${thumb} ${thumbW}w, ${grid} ${gridW}w`,
    sizes: `${Math.ceil(ar * rowHeight * 1.3)}px`,
  };
}

// The row height the grid uses inside el (an element of class "days"): CSS's --row-h.
export function rowHeightOf(el) {
  return parseFloat(getComputedStyle(el).getPropertyValue('--row-h')) || ROW_HEIGHT;
}
