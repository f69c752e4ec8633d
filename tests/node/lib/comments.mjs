// lib/comments.mjs - finds the file names that the repository's comments
// and docs mention, and tells which of them name nothing in the
// repository. Used by tests/node/comments.test.mjs.
//
// A comment is a C/JS/CSS block or line comment, a '#' comment in CMake,
// shell, Makefile and dictionary files, an HTML comment, and every line of
// a Markdown file. In it, a "name" is a word ending in one of our file
// extensions (mgc.c, sched/runtime2.h, docs/API.md, tests/node/x.test.mjs)
// or a path under one of the repository's top-level folders (runtime/mem/,
// tests/wasm-spike). A name resolves if it exists relative to the
// repository root, the commenting file's folder or runtime/ (the one
// include root), or, for a bare file name, anywhere in the repository.
//
// Other projects' files cited as sources are not ours, so they are not
// checked: Go's (any .go name except bench/go's Go twin, and names in
// Go's source tree: src/..., runtime/internal/..., golang.org/x/...),
// those cited with their owner's name before them on the line
// ("mimalloc's page.c", "Lua's lgc.c", "libuv's heap-inl.h"), system
// headers (sys/epoll.h, <pthread.h>), and a short list of other projects'
// file names below. Everything else must exist.
import fs from 'node:fs';
import path from 'node:path';

// Folders whose comments are checked, and the docs.
export const SCANNED = ['runtime', 'tests', 'cmd', 'workloads', 'wasm', 'web', 'bench', 'scripts', 'cmake', 'docs'];
export const ROOT_DOCS = ['README.md', 'CMakeLists.txt', 'package.json'];

// Top-level folders whose paths are checked even without an extension
// (runtime/mem/, tests/wasm-spike). wasm/ holds only files, and
// "wasm/native" is a ratio.
const FOLDERS = SCANNED.filter((d) => d !== 'wasm');

// Extensions that make a word a file name.
const EXTS = ['c', 'h', 'S', 'mjs', 'cjs', 'js', 'md', 'cmake', 'json', 'sh', 'go', 'html', 'css', 'txt', 'dict', 'mod'];

// Never walked for existence or scanned: dependencies, build output, git.
function skipDir(rel, abs) {
  const base = path.basename(rel);
  if (base === 'node_modules' || base === '.git' || base === 'dist') return true;
  if (/^build/.test(rel) && !rel.includes('/')) return true;
  return fs.existsSync(path.join(abs, 'CMakeCache.txt'));
}

export function walk(repo, start = '') {
  const out = [];
  const stack = [start];
  while (stack.length) {
    const rel = stack.pop();
    const abs = path.join(repo, rel);
    for (const ent of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.isDirectory()) {
        if (!skipDir(r, path.join(repo, r))) { out.push(`${r}/`); stack.push(r); }
      } else {
        out.push(r);
      }
    }
  }
  return out;
}

// Other projects' file names that comments cite as the source of an idea
// without their owner's name just before them. Keep it short: each entry
// is a name that is never checked.
export const EXTERNAL_NAMES = new Set([
  // mimalloc's headers, cited with its debug levels and primitives
  // (include/mimalloc/ is caught by FOREIGN_PREFIX).
  'types.h', 'internal.h', 'prim.h', 'track.h',
]);

// Whose file it is, said just before the name (at most three words
// between, on the same line or at the end of the line before): "Go's
// proc.go", "mimalloc's page.c", "LLVM's WebAssemblyFrameLowering.h",
// "ruby's wasm/fiber.c",
// "(mimalloc: include/mimalloc/atomic.h)".
const OWNER = /\b(Go|golang|mimalloc|libuv|Lua|Redis|libdill|Emscripten|emscripten|glibc|Linux|musl|Boehm|bdwgc|LLVM|compiler-rt|ruby|Binaryen)(('s?|')\s+([\w-]+\s+){0,3}|\s*[:(]\s*([\w-]+\s+){0,3}|\s+)$/;

// Names of folders in Go's tree and system include paths.
const FOREIGN_PREFIX = /^(src\/|runtime\/internal\/|runtime\/(metrics|pprof|trace)\b|internal\/|golang\.org\/|cmd\/compile\/|cmd\/link\/|sys\/|linux\/|asm\/|bits\/|emscripten\/|sanitizer\/|x\/sync\/|include\/mimalloc\/)/;

// Files the build or a run makes (not in the repository), and names that
// stand for any file in examples.
const GENERATED = /^(\.\.\.\/)?(build[\w-]*\/|web\/dist\b|dist\/|bench\/results\/[\w-]+\.json$)|^(gort\.(js|wasm|worker\.js)|subset\.json|CMakeCache\.txt|compile_commands\.json)$/;
const PLACEHOLDER = /(^|\/)(prog|x|t_sched|link-out)\.[\w.]+$|^path\/to\/|(^|\/)[A-Z]{3,}(\/|$)|[A-Z]{3,}\.json$/;

function commentsOf(rel, text) {
  // Returns [{ line, text }] for each comment line of the file.
  const ext = path.extname(rel);
  const base = path.basename(rel);
  const lines = text.split('\n');
  const out = [];
  if (ext === '.md' || ext === '.txt' && base !== 'CMakeLists.txt') {
    lines.forEach((t, i) => out.push({ line: i + 1, text: t }));
    return out;
  }
  const hash = ['.cmake', '.sh', '.dict', '.mod'].includes(ext) || base === 'CMakeLists.txt' || base === 'Makefile' || base === '.gitignore';
  if (hash) {
    lines.forEach((t, i) => { const k = t.indexOf('#'); if (k >= 0) out.push({ line: i + 1, text: t.slice(k + 1) }); });
    return out;
  }
  const cLike = ['.c', '.h', '.S', '.mjs', '.cjs', '.js', '.go', '.css'].includes(ext);
  const html = ext === '.html';
  if (!cLike && !html) return out;
  // A small lexer: strings, block comments, line comments.
  let i = 0; let line = 1; let cur = null; let curLine = 0;
  const push = (s) => { if (s.trim()) out.push({ line: curLine, text: s }); };
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (html) {
      if (text.startsWith('<!--', i)) {
        const end = text.indexOf('-->', i + 4);
        const body = text.slice(i + 4, end < 0 ? n : end);
        body.split('\n').forEach((t, k) => { curLine = line + k; push(t); });
        line += (body.match(/\n/g) || []).length;
        i = end < 0 ? n : end + 3;
        continue;
      }
      if (c === '\n') line++;
      i++;
      continue;
    }
    if (c === '\n') { line++; i++; continue; }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const body = text.slice(i + 2, end < 0 ? n : end);
      body.split('\n').forEach((t, k) => { curLine = line + k; push(t); });
      line += (body.match(/\n/g) || []).length;
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === '/' && text[i + 1] === '/' && ext !== '.css') {
      // '//' inside a URL in code ('http://') is not a comment, but a URL
      // is never a repository path anyway.
      const end = text.indexOf('\n', i);
      curLine = line; push(text.slice(i + 2, end < 0 ? n : end));
      i = end < 0 ? n : end;
      continue;
    }
    if ((ext === '.S') && c === '#' && (i === 0 || text[i - 1] === '\n') && !/^#\s*(include|define|if|ifdef|ifndef|else|elif|endif|undef)\b/.test(text.slice(i, i + 12))) {
      const end = text.indexOf('\n', i);
      curLine = line; push(text.slice(i + 1, end < 0 ? n : end));
      i = end < 0 ? n : end;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      // Skip a string literal (C's char constants too). Template literals
      // may span lines.
      if (c === "'" && ext === '.S') { i++; continue; }
      let j = i + 1;
      while (j < n && text[j] !== c) {
        if (text[j] === '\\') j++;
        else if (text[j] === '\n') { if (c !== '`') break; line++; }
        j++;
      }
      i = j + 1;
      continue;
    }
    i++;
  }
  return out;
}

const EXT_RE = EXTS.join('|');
// A name: an optional path, then a file name with one of our extensions;
// or a path of two or more parts under a top-level folder.
// A glob's '*' is kept: sigctx_linux_*.c must match some file.
// A glob's '*' is kept: sigctx_linux_*.c must match some file. An absolute
// path is caught whole, to be refused (it names a machine, not the
// repository).
const NAME_RE = new RegExp(String.raw`(?<![\w./@:*})-])((?:\.\.\.?/|/)?(?:[\w*-]+/)*[\w*-][\w.*-]*\.(?:${EXT_RE}))(?![\w/*-])`
  + String.raw`|(?<![\w./@:*-])((?:${FOLDERS.join('|')})(?:/[\w*-]+)+/?)(?!\.?[\w*-])`, 'g');

// An absolute path into a machine's home or work folders is refused
// (other absolute paths are URL paths: /secret.txt in the server's tests).
const MACHINE = /^\/(work|home|root|mnt|Users)\//;

export function namesIn(text) {
  const out = [];
  for (const m of text.matchAll(NAME_RE)) {
    let name = (m[1] || m[2]).replace(/[.]+$/, '');
    if (!name) continue;
    out.push({ name, index: m.index });
  }
  return out;
}

export function isForeign(name, before) {
  if (GENERATED.test(name) || PLACEHOLDER.test(name)) return true;
  if (name.endsWith('.go') && !name.startsWith('bench/go/')) return true;
  if (FOREIGN_PREFIX.test(name)) return true;
  if (EXTERNAL_NAMES.has(path.basename(name))) return true;
  if (/<$/.test(before)) return true; // <pthread.h>
  if (OWNER.test(before)) return true;
  if (/https?:\/\/\S*$/.test(before)) return true; // inside a URL
  return false;
}

function globRe(name) {
  return new RegExp(`^${name.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
}

// deadNames(repo, seen) lists { file, line, name } for each dead name;
// seen(kind, name), if given, hears every name found: 'foreign', 'ok' or
// 'dead'.
export function deadNames(repo, seen = () => {}) {
  const all = walk(repo);
  const exists = new Set(all);
  const byBase = new Set(all.map((p) => path.basename(p.replace(/\/$/, ''))));
  const has = (p) => {
    if (!p.includes('*')) return exists.has(p) || exists.has(`${p}/`);
    const re = globRe(p);
    return all.some((q) => re.test(q.replace(/\/$/, '')));
  };
  const resolves = (rel, name) => {
    const bare = name.replace(/\/$/, '').replace(/^\.\.\.\//, '');
    // The repository root, runtime/ (the include root), the file's folder
    // and each folder above it.
    const bases = ['', 'runtime'];
    for (let d = path.posix.dirname(rel); d !== '.'; d = path.posix.dirname(d)) bases.push(d);
    for (const b of bases) {
      const c = path.posix.normalize(b ? `${b}/${bare}` : bare);
      if (!c.startsWith('..') && has(c)) return true;
    }
    if (bare.includes('/')) return false;
    if (!bare.includes('*')) return byBase.has(bare);
    const re = globRe(bare);
    return [...byBase].some((b) => re.test(b));
  };
  const files = all.filter((p) => !p.endsWith('/') && (SCANNED.some((d) => p.startsWith(`${d}/`)) || ROOT_DOCS.includes(p)));
  const dead = [];
  for (const rel of files) {
    if (rel.startsWith('tests/fuzz/corpus/') || rel.startsWith('bench/results/')) continue;
    const text = fs.readFileSync(path.join(repo, rel), 'utf8');
    let prev = '';
    for (const { line, text: t } of commentsOf(rel, text)) {
      for (const { name, index } of namesIn(t)) {
        // The owner may stand at the end of the line before ("Go's\n
        // runtime/metrics").
        if (isForeign(name, `${prev} ${t.slice(0, index)}`.slice(-60))) { seen('foreign', name); continue; }
        if (name.startsWith('/') ? MACHINE.test(name) : !resolves(rel, name)) {
          seen('dead', name);
          dead.push({ file: rel, line, name });
        } else {
          seen('ok', name);
        }
      }
      prev = t.trim();
    }
  }
  return dead;
}
