// bench/lib/stats.mjs - medians and spreads of measured runs.

// Median of numbers (mean of the two middle ones for an even count); null
// for none.
export function median(xs) {
  const s = xs.filter((x) => x != null).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// { median, min, max, count } of numbers (nulls ignored); null for none.
export function summarize(xs) {
  const s = xs.filter((x) => x != null);
  if (!s.length) return null;
  return { median: median(s), min: Math.min(...s), max: Math.max(...s), count: s.length };
}
