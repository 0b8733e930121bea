/** Natural ("human") ordering of file names: `img2.png` before `img10.png`. */

const chunk = /(\d+)/;

/** Compares two strings by their digit runs as numbers and the rest as text; ties fall back to plain order. */
export function naturalCompare(a: string, b: string): number {
  const pa = a.split(chunk);
  const pb = b.split(chunk);
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    if (pa[i] === pb[i]) continue;
    if (i % 2 === 1) {
      const d = Number(pa[i]) - Number(pb[i]);
      if (d !== 0) return d;
      const byLength = pa[i].length - pb[i].length; // "01" after "1"
      if (byLength !== 0) return byLength;
    } else {
      const la = pa[i].toLowerCase();
      const lb = pb[i].toLowerCase();
      if (la !== lb) return la < lb ? -1 : 1;
    }
  }
  if (pa.length !== pb.length) return pa.length - pb.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Returns a naturally sorted copy. */
export function naturalSort(names: readonly string[]): string[] {
  return names.slice().sort(naturalCompare);
}
