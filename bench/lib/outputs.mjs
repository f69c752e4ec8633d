// bench/lib/outputs.mjs - writes a bench run's results: the JSON file
// (atomically, via FILE.tmp) and the numbers section of
// docs/PERFORMANCE.md, which is everything between BEGIN and END (the
// --gc-scaling mode's: between its own markers, bench/lib/scaling.mjs);
// the rest of the document is left as it is.

import fs from 'node:fs';
import path from 'node:path';

export const BEGIN = '<!-- bench:begin -->';
export const END = '<!-- bench:end -->';

export function writeJson(file, doc) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(doc, null, 1)}\n`);
  fs.renameSync(tmp, file);
}

// Returns text with the section between the markers (default: the
// numbers section's) replaced by body; the markers are appended when text
// has none.
export function replaceSection(text, body, begin = BEGIN, end = END) {
  const block = `${begin}\n${body.trim()}\n${end}`;
  const b = text.indexOf(begin);
  const e = text.indexOf(end);
  if (b < 0 || e < b) return `${text.trimEnd()}\n\n${block}\n`;
  return text.slice(0, b) + block + text.slice(e + end.length);
}

export function updateDoc(file, body, begin = BEGIN, end = END) {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  fs.writeFileSync(file, replaceSection(text, body, begin, end));
}
