// tests/fuzz/server_fuzz.mjs — property-based fuzzing of the demo server's
// request-target handling (web/server.mjs): nothing outside the served root
// is ever served, and the server never crashes.
//
// A seeded PRNG builds adversarial targets from pieces: dot segments in
// every spelling (., .., %2e%2E, .%2e, overlong UTF-8 %c0%ae and raw
// 0xC0 0xAE bytes, double encoding %252e), encoded and raw separators (%2f,
// %5c, \, //), NUL (%00 and raw), broken escapes (%, %g1, %e2%80),
// names of the secret files and of symlinks that point out, dot-files,
// query and fragment tricks, absolute-form targets (http://host/..), and
// very long paths. Two properties:
//   1. parseTarget(target) never throws; it either refuses (400/403/404) or
//      returns segments none of which is '', '.', '..', holds '/', '\' or
//      NUL or starts with '.', and that resolve inside the root;
//   2. a real server (a child process: a crash shows as its exit) on a temp
//      tree — the root beside secret files, a sibling folder whose name
//      starts like the root, symlinks pointing out — answers every raw
//      request (GET or HEAD, bytes sent as they are) with a well-formed
//      response carrying the isolation headers, never a byte of a secret,
//      a 200 only with the content of a file inside the root; and it still
//      serves / at the end.
//
//   node tests/fuzz/server_fuzz.mjs [--seconds N] [--seed N]
// (tests/node/fuzz.test.mjs runs it for a few seconds.)

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseTarget } from '../../web/server.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// mulberry32: small, seedable, good enough to spread inputs.
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEGMENTS = [
  '..', '.', '...', '%2e%2e', '%2E%2e', '.%2e', '%2e.', '%2e', '%252e%252e', '%c0%ae%c0%ae',
  '%c0%ae', '%e0%80%ae', '%c0%2e', '\u00c0\u00ae\u00c0\u00ae', '..%2f', '..%5c', '%2f', '%5c', '%2F..',
  '..\\', '\\..', '%00', '\u0000', '..%00', 'index.html%00.txt', '%', '%g1', '%e2%80', '%ff', '%c0%af',
  'secret.txt', 'web-evil', 'link-out.txt', 'rel-link-out.txt', 'dir-out', 'evil', 'link-in.html',
  '.hidden', '%2ehidden', 'index.html', 'sub', 'sub/', 'a b', 'a%20b', 'app.js', 'dist', 'gort.wasm',
  '~', ';', '..;', '?x=../', '#/../', 'file:', '%3f', '%23', '\u202e', '\u2215', '\uff0e\uff0e',
  '%ef%bc%8e%ef%bc%8e', 'con', 'nul', '....//', '.\\./', '%u002e%u002e',
];
const PREFIXES = ['/', '/', '/', '', '//', '/./', 'http://127.0.0.1/', 'HTTP://x/', 'https://h:1/',
  'http://127.0.0.1/../', '\\', '*', 'file:///'];
const SEPS = ['/', '/', '/', '\\', '%2f', '%5c', '//', '/./', '%2F'];

function pick(r, a) { return a[Math.floor(r() * a.length)]; }

function randomChars(r, n) {
  let s = '';
  for (let i = 0; i < n; i++) {
    const k = r();
    if (k < 0.5) s += String.fromCharCode(0x21 + Math.floor(r() * 94));
    else if (k < 0.7) s += '%' + Math.floor(r() * 256).toString(16).padStart(2, '0');
    else if (k < 0.85) s += String.fromCharCode(Math.floor(r() * 256));
    else s += String.fromCodePoint(Math.floor(r() * 0x10ffff) & ~0x800 | 0x80);
  }
  return s;
}

export function makeTarget(r) {
  const roll = r();
  if (roll < 0.03) return '/' + '../'.repeat(1 + Math.floor(r() * 6000)) + 'secret.txt';
  if (roll < 0.05) return '/' + 'a'.repeat(1 + Math.floor(r() * 20000));
  let t = pick(r, PREFIXES);
  const n = 1 + Math.floor(r() * 8);
  for (let i = 0; i < n; i++) {
    if (i > 0) t += pick(r, SEPS);
    t += r() < 0.8 ? pick(r, SEGMENTS) : randomChars(r, 1 + Math.floor(r() * 6));
  }
  if (r() < 0.2) t += pick(r, ['/', '?', '#', '?a=/../secret.txt', '%2f', '\\']);
  return t;
}

// Property 1: the parser alone.
export function checkParse(target, root) {
  let out;
  try { out = parseTarget(target); } catch (e) {
    throw new Error(`parseTarget threw on ${JSON.stringify(target)}: ${e.stack}`);
  }
  if (out.status) {
    assert.ok([400, 403, 404].includes(out.status), `status ${out.status} for ${JSON.stringify(target)}`);
    return out;
  }
  assert.ok(Array.isArray(out.segments), JSON.stringify(target));
  for (const s of out.segments) {
    const bad = s === '' || s === '.' || s === '..' || s.startsWith('.') || /[/\\\0]/.test(s);
    assert.ok(!bad, `unsafe segment ${JSON.stringify(s)} from ${JSON.stringify(target)}`);
  }
  const file = path.resolve(root, ...out.segments);
  const rel = path.relative(root, file);
  assert.ok(rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel)),
    `${JSON.stringify(target)} resolves outside the root: ${file}`);
  return out;
}

const ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
};

// A temp tree: <tmp>/web is the root; secrets beside it.
export function makeTree() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gort-server-fuzz-'));
  const root = path.join(tmp, 'web');
  const secret = 'TOP-SECRET-' + Math.random().toString(36).slice(2);
  const files = {
    'index.html': '<!doctype html><title>fuzz</title>',
    'app.js': 'export {};',
    'sub/index.html': '<p>sub</p>',
    'sub/file.txt': 'hello',
    'a b/c.txt': 'space',
    'dist/gort.wasm': 'wasm',
    '.hidden': secret,
  };
  for (const [rel, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), body);
  }
  fs.writeFileSync(path.join(tmp, 'secret.txt'), secret);
  fs.mkdirSync(path.join(tmp, 'web-evil'));
  fs.writeFileSync(path.join(tmp, 'web-evil', 'secret.txt'), secret);
  fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(root, 'link-out.txt'));
  fs.symlinkSync('../secret.txt', path.join(root, 'rel-link-out.txt'));
  fs.symlinkSync(tmp, path.join(root, 'dir-out'));
  fs.symlinkSync(path.join(tmp, 'web-evil'), path.join(root, 'evil'));
  fs.symlinkSync('index.html', path.join(root, 'link-in.html'));
  const inside = new Set(Object.entries(files).filter(([k]) => !k.startsWith('.')).map(([, v]) => v));
  return { tmp, root, secret, inside };
}

function startChild(root) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO, 'web/server.mjs'), '--port', '0', '--root', root],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.stdout.on('data', (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) resolve({ child, port: Number(m[1]), stderr: () => err });
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${err}`)));
  });
}

function raw(port, method, target, encoding) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks = [];
    sock.setTimeout(10000, () => { sock.destroy(); reject(new Error(`timeout on ${JSON.stringify(target)}`)); });
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', (e) => {
      // The server may answer a malformed request and close before reading
      // all of it: a reset after a response is fine.
      if (chunks.length) resolve(Buffer.concat(chunks));
      else reject(e);
    });
    sock.on('end', () => resolve(Buffer.concat(chunks)));
    sock.write(Buffer.concat([
      Buffer.from(`${method} `, 'latin1'), Buffer.from(target, encoding),
      Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n', 'latin1')]));
  });
}

// Property 2: one request against the real server.
async function checkRequest(port, tree, method, target, encoding) {
  const buf = await raw(port, method, target, encoding);
  const text = buf.toString('latin1');
  const what = `${method} ${JSON.stringify(target)} (${encoding})`;
  assert.ok(!text.includes(tree.secret), `${what} leaked a secret:\n${text.slice(0, 400)}`);
  const split = text.indexOf('\r\n\r\n');
  assert.ok(split > 0, `${what}: no complete response: ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
  const m = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine);
  assert.ok(m, `${what}: bad status line ${JSON.stringify(statusLine)}`);
  const status = Number(m[1]);
  const headers = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  for (const [k, v] of Object.entries(ISOLATION)) assert.equal(headers[k], v, `${what}: ${k}`);
  assert.ok([200, 301, 400, 403, 404, 414, 431].includes(status), `${what}: status ${status}`);
  if (status === 200 && method === 'GET') {
    const body = text.slice(split + 4);
    assert.ok(tree.inside.has(body), `${what}: served something not in the root: ${JSON.stringify(body.slice(0, 100))}`);
  }
  if (status === 301) {
    assert.ok(headers.location?.startsWith('/') && !headers.location.startsWith('//'),
      `${what}: redirect off the origin: ${headers.location}`);
  }
  return status;
}

// Runs both properties for `seconds` (at least `minRequests` requests).
export async function fuzzServer({ seconds = 10, seed = 1, concurrency = 8, log = () => {} } = {}) {
  const tree = makeTree();
  const r = prng(seed);
  const { child, port, stderr } = await startChild(tree.root);
  let exited = null;
  child.on('exit', (code, sig) => { exited = `code ${code} signal ${sig}`; });
  const stats = { parsed: 0, requests: 0, statuses: {} };
  try {
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) {
      // Property 1 is cheap: a batch of targets through the parser.
      for (let i = 0; i < 200; i++) { checkParse(makeTarget(r), tree.root); stats.parsed++; }
      const batch = [];
      for (let i = 0; i < concurrency; i++) {
        const target = makeTarget(r);
        const method = r() < 0.8 ? 'GET' : 'HEAD';
        const encoding = r() < 0.5 ? 'latin1' : 'utf8';
        batch.push(checkRequest(port, tree, method, target, encoding).then((s) => {
          stats.statuses[s] = (stats.statuses[s] ?? 0) + 1;
          stats.requests++;
        }));
      }
      await Promise.all(batch);
      if (exited) throw new Error(`the server died (${exited}): ${stderr()}`);
    }
    const last = await checkRequest(port, tree, 'GET', '/', 'latin1');
    assert.equal(last, 200, 'the server still serves / at the end');
    if (exited) throw new Error(`the server died (${exited}): ${stderr()}`);
    log(`server_fuzz: seed ${seed}, ${seconds} s: ${stats.parsed} targets parsed, ${stats.requests} requests, statuses ${JSON.stringify(stats.statuses)}`);
    return stats;
  } finally {
    child.kill();
    fs.rmSync(tree.tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  fuzzServer({ seconds: opt('--seconds', 10), seed: opt('--seed', Date.now() % 1e9), log: console.log })
    .catch((e) => { console.error(e.stack ?? e); process.exit(1); });
}
