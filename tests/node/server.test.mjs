// tests/node/server.test.mjs — unit tests for web/server.mjs (the demo's static server).
//
// Rules:
//  - Works on a temp tree: <tmp>/web is the served root, with a secret file
//    beside it (<tmp>/secret.txt) and in a sibling folder whose name starts
//    like the root (<tmp>/web-evil). No request may ever return a secret.
//  - Raw requests go over a plain TCP socket so targets reach the server
//    byte for byte (no client-side normalisation of '..', '\' or NUL).
//  - Only 127.0.0.1 is contacted. Run: node --test tests/node/

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServer, parseTarget } from '../../web/server.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SECRET = 'TOP-SECRET-' + Math.random().toString(36).slice(2);
const ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

let tmp;
let root;
let server;
let port;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gort-server-test-'));
  root = path.join(tmp, 'web');
  const files = {
    'index.html': '<!doctype html><title>t</title>',
    'app.js': 'export {};',
    'mod.mjs': 'export {};',
    'style.css': 'body{}',
    'data.json': '{"a":1}',
    'icon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
    'dist/gort.wasm': Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]),
    'dist/gort.js': 'var createGort;',
    'blob.bin': 'xyz',
    'sub/index.html': '<p>sub</p>',
    'sub/file.txt': 'hello',
    'a b/c.txt': 'space',
    '.hidden': SECRET,
  };
  for (const [rel, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), body);
  }
  fs.writeFileSync(path.join(tmp, 'secret.txt'), SECRET);
  fs.mkdirSync(path.join(tmp, 'web-evil'));
  fs.writeFileSync(path.join(tmp, 'web-evil', 'secret.txt'), SECRET);
  fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(root, 'link-out.txt'));
  fs.symlinkSync('../secret.txt', path.join(root, 'rel-link-out.txt'));
  fs.symlinkSync(tmp, path.join(root, 'dir-out'));
  fs.symlinkSync(path.join(tmp, 'web-evil'), path.join(root, 'evil'));
  fs.symlinkSync('index.html', path.join(root, 'link-in.html'));
  ({ server } = await startServer({ port: 0, root }));
  port = server.address().port;
});

after(async () => {
  server?.closeAllConnections?.();
  await new Promise((r) => (server ? server.close(r) : r()));
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// Sends one raw HTTP/1.1 request; resolves {status, headers, body}.
function raw(target, { method = 'GET', extraHead = '' } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks = [];
    sock.setTimeout(5000, () => { sock.destroy(); reject(new Error(`timeout on ${JSON.stringify(target)}`)); });
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', reject);
    sock.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = split < 0 ? text : text.slice(0, split);
      const body = split < 0 ? '' : text.slice(split + 4);
      const [statusLine, ...lines] = head.split('\r\n');
      const headers = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
    sock.write(Buffer.from(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extraHead}Connection: close\r\n\r\n`, 'latin1'));
  });
}

function assertIsolation(res, what) {
  for (const [k, v] of Object.entries(ISOLATION)) {
    assert.equal(res.headers[k], v, `${what}: header ${k}`);
  }
}

test('binds 127.0.0.1 only and reports its url', async () => {
  assert.equal(server.address().address, '127.0.0.1');
  const { server: s2, url } = await startServer({ port: 0, root });
  try {
    assert.equal(url, `http://127.0.0.1:${s2.address().port}/`);
    assert.equal(s2.address().family, 'IPv4');
  } finally {
    await new Promise((r) => s2.close(r));
  }
  await assert.rejects(startServer({ port: 0, root, host: '0.0.0.0' }), /127\.0\.0\.1/);
});

test('MIME types', async () => {
  const want = {
    '/': 'text/html',
    '/index.html': 'text/html',
    '/app.js': 'text/javascript',
    '/mod.mjs': 'text/javascript',
    '/style.css': 'text/css',
    '/data.json': 'application/json',
    '/icon.svg': 'image/svg+xml',
    '/dist/gort.wasm': 'application/wasm',
    '/dist/gort.js': 'text/javascript',
    '/sub/file.txt': 'text/plain',
    '/blob.bin': 'application/octet-stream',
  };
  for (const [p, type] of Object.entries(want)) {
    const res = await raw(p);
    assert.equal(res.status, 200, p);
    assert.equal(res.headers['content-type'].split(';')[0], type, p);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', p);
    assertIsolation(res, p);
  }
  const wasm = await fetch(`http://127.0.0.1:${port}/dist/gort.wasm`);
  assert.deepEqual([...new Uint8Array(await wasm.arrayBuffer())], [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
});

test('serves content, index.html for folders, redirects folders without a slash, decodes names', async () => {
  let res = await raw('/sub/');
  assert.equal(res.status, 200);
  assert.equal(res.body, '<p>sub</p>');
  res = await raw('/sub');
  assert.equal(res.status, 301);
  assert.equal(res.headers.location, '/sub/');
  assertIsolation(res, '301');
  res = await raw('/a%20b/c.txt');
  assert.equal(res.status, 200);
  assert.equal(res.body, 'space');
  res = await raw('/sub/file.txt?x=1#frag');
  assert.equal(res.status, 200);
  assert.equal(res.body, 'hello');
  res = await raw('/link-in.html');
  assert.equal(res.status, 200, 'a symlink that stays inside the root is served');
  res = await raw('//sub//file.txt');
  assert.equal(res.status, 200, 'empty segments collapse');
  res = await raw('http://127.0.0.1/sub/file.txt');
  assert.equal(res.status, 200, 'absolute-form target');
  assert.equal(res.body, 'hello');
});

test('isolation headers on errors: 404, 400, 403, 405', async () => {
  const cases = [['/nope.html', 404], ['/%zz', 400], ['/../secret.txt', 403], ['/link-out.txt', 403]];
  for (const [p, status] of cases) {
    const res = await raw(p);
    assert.equal(res.status, status, p);
    assertIsolation(res, `${status} ${p}`);
  }
  const res = await raw('/index.html', { method: 'POST', extraHead: 'Content-Length: 0\r\n' });
  assert.equal(res.status, 405);
  assert.equal(res.headers.allow, 'GET, HEAD');
  assertIsolation(res, '405');
});

test('HEAD has headers and no body', async () => {
  const res = await raw('/data.json', { method: 'HEAD' });
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-length'], String('{"a":1}'.length));
  assert.equal(res.body, '');
});

test('path traversal, encodings, backslashes, absolute paths, NUL and symlinks never leave the root', async () => {
  const secretAbs = path.join(tmp, 'secret.txt');
  const attempts = [
    '/../secret.txt',
    '/../../../../../../etc/passwd',
    '/sub/../../secret.txt',
    '/./../secret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e/secret.txt',
    '/%2e%2e%2fsecret.txt',
    '/%2E%2E%2Fsecret.txt',
    '/.%2e/secret.txt',
    '/%252e%252e%252fsecret.txt',
    '/%25252e%25252e%25252fsecret.txt',
    '/..%252fsecret.txt',
    '/..\\secret.txt',
    '/\\..\\secret.txt',
    '/..%5csecret.txt',
    '/%5c..%5csecret.txt',
    '/sub%5c..%5c..%5csecret.txt',
    '/%c0%ae%c0%ae/secret.txt',
    '/%c0%af../secret.txt',
    '/../web-evil/secret.txt',
    '/..%2fweb-evil%2fsecret.txt',
    secretAbs,
    '/' + secretAbs,
    '//' + secretAbs.slice(1),
    encodeURIComponent(secretAbs),
    '/' + encodeURIComponent(secretAbs),
    '/etc/passwd',
    'secret.txt',
    '../secret.txt',
    'http://127.0.0.1/../secret.txt',
    'http://127.0.0.1/%2e%2e/secret.txt',
    'file:///etc/passwd',
    '/secret.txt%00.html',
    '/%00../secret.txt',
    '/index.html%00',
    '/index.html\0',
    '/\0/../secret.txt',
    '/link-out.txt',
    '/rel-link-out.txt',
    '/dir-out/secret.txt',
    '/dir-out/web-evil/secret.txt',
    '/evil/secret.txt',
    '/.hidden',
    '/%2ehidden',
    '/sub/..',
    '/sub/%2e%2e',
  ];
  for (const target of attempts) {
    const res = await raw(target);
    assert.ok([400, 403, 404].includes(res.status), `${JSON.stringify(target)} -> ${res.status}`);
    assert.ok(!res.body.includes(SECRET), `${JSON.stringify(target)} leaked the secret`);
    assert.ok(!res.body.includes('root:'), `${JSON.stringify(target)} leaked /etc/passwd`);
    assertIsolation(res, JSON.stringify(target));
  }
});

// /vendor/uplot/ is node_modules/uplot/dist/ (the page's charting library),
// whatever the root; nothing else of node_modules or the repository is.
test('the uPlot mount serves node_modules/uplot/dist and nothing beside it', async () => {
  const dist = path.join(REPO, 'node_modules', 'uplot', 'dist');
  assert.ok(fs.existsSync(path.join(dist, 'uPlot.esm.js')), 'uplot is not installed: run `npm install`');
  const js = await raw('/vendor/uplot/uPlot.esm.js');
  assert.equal(js.status, 200);
  assert.match(js.headers['content-type'], /^text\/javascript/);
  assertIsolation(js, 'uPlot.esm.js');
  assert.equal(js.body.length, fs.statSync(path.join(dist, 'uPlot.esm.js')).size);
  assert.equal((await raw('/vendor/uplot/uPlot.min.css')).status, 200);
  for (const t of ['/vendor/uplot/../package.json', '/vendor/uplot/%2e%2e/package.json', '/vendor/uplot/..%2fpackage.json',
    '/vendor/uplot/../../../package.json', '/vendor/uplot/..\\package.json']) {
    const res = await raw(t);
    assert.ok([400, 403, 404].includes(res.status), `${t}: ${res.status}`);
    assert.ok(!res.body.toString().includes('"name": "uplot"'), `${t} leaked uplot's package.json`);
  }
  assert.equal((await raw('/vendor/playwright-core/index.js')).status, 404);
  assert.equal((await raw('/vendor/uplot/missing.js')).status, 404);
});

test('parseTarget rejects what it must before touching the file system', () => {
  assert.equal(parseTarget('/a/../b').status, 403);
  assert.equal(parseTarget('/a%2fb').status, 400);
  assert.equal(parseTarget('/a%5cb').status, 400);
  assert.equal(parseTarget('/a\\b').status, 400);
  assert.equal(parseTarget('/a%00').status, 400);
  assert.equal(parseTarget('/%E0%A4%A').status, 400);
  assert.equal(parseTarget('').status, 400);
  assert.equal(parseTarget('*').status, 400);
  assert.deepEqual(parseTarget('/x/%2525y/'), { segments: ['x', '%25y'], trailingSlash: true });
});

function startCli(args, env = {}) {
  const child = spawn(process.execPath, [path.join(REPO, 'web', 'server.mjs'), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const line = new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no banner; stderr: ${err}`)), 10_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/^gort demo: (http:\/\/127\.0\.0\.1:(\d+)\/)$/m);
      if (m) { clearTimeout(timer); resolve({ url: m[1], port: Number(m[2]), out }); }
    });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}: ${err}`)); });
  });
  return { child, line };
}

async function stopCli(child) {
  if (child.exitCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await gone;
}

test('CLI: --port 0 picks a free port, prints the banner once, serves web/', async () => {
  const { child, line } = startCli(['--port', '0']);
  try {
    const { url, port: p, out } = await line;
    assert.ok(p > 0);
    assert.equal(out.match(/gort demo:/g).length, 1);
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.match(await res.text(), /<html/i);
  } finally {
    await stopCli(child);
  }
});

test('CLI: PORT env and --port N', async () => {
  // find a free port, then ask for it explicitly
  const probe = await startServer({ port: 0, root });
  const free = probe.server.address().port;
  await new Promise((r) => probe.server.close(r));
  for (const [args, env] of [[[], { PORT: String(free) }], [['--port', String(free)], { PORT: '1' }]]) {
    const { child, line } = startCli(args, env);
    try {
      const { port: p } = await line;
      assert.equal(p, free);
    } finally {
      await stopCli(child);
    }
  }
});

// The page's comparison with Go's js/wasm port: /go/ serves exactly Go's
// glue and the Go twin's wasm (the paths the server was given) and a status;
// nothing else of either folder.
test('the /go/ routes serve Go\'s glue and the Go twin, and say when either is missing', async () => {
  const goDir = path.join(tmp, 'goroot-misc-wasm');
  fs.mkdirSync(goDir, { recursive: true });
  const execJs = path.join(goDir, 'wasm_exec.js');
  fs.writeFileSync(execJs, 'globalThis.Go = class {};');
  fs.writeFileSync(path.join(goDir, 'other.js'), SECRET);
  const wasm = path.join(tmp, 'gort-go.wasm');
  const { server: s2 } = await startServer({ port: 0, root, goWasm: { execJs, wasm } });
  const get = async (p) => {
    const res = await fetch(`http://127.0.0.1:${s2.address().port}${p}`);
    return { status: res.status, type: res.headers.get('content-type'), body: await res.text(), coep: res.headers.get('cross-origin-embedder-policy') };
  };
  try {
    let st = JSON.parse((await get('/go/status.json')).body);
    assert.equal(st.ready, false);
    assert.match(st.why, /not built .*bench\/go\/build\.sh/);
    assert.equal((await get('/go/gort-go.wasm')).status, 404);
    fs.writeFileSync(wasm, Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
    st = JSON.parse((await get('/go/status.json')).body);
    assert.deepEqual(st, { ready: true, why: '' });
    const js = await get('/go/wasm_exec.js');
    assert.equal(js.status, 200);
    assert.match(js.type, /^text\/javascript/);
    assert.equal(js.body, 'globalThis.Go = class {};');
    assert.equal(js.coep, 'require-corp');
    const w = await get('/go/gort-go.wasm');
    assert.equal(w.status, 200);
    assert.equal(w.type, 'application/wasm');
    for (const t of ['/go/other.js', '/go/../secret.txt', '/go/', '/go/x/wasm_exec.js']) {
      const res = await get(t);
      assert.ok([403, 404].includes(res.status), `${t}: ${res.status}`);
      assert.ok(!res.body.includes(SECRET), `${t} leaked`);
    }
  } finally {
    s2.closeAllConnections?.();
    await new Promise((r) => s2.close(r));
  }
  const { server: s3 } = await startServer({ port: 0, root, goWasm: { execJs: null, wasm } });
  try {
    const res = await fetch(`http://127.0.0.1:${s3.address().port}/go/status.json`);
    const st = await res.json();
    assert.equal(st.ready, false);
    assert.match(st.why, /golang-go|wasm_exec\.js/);
  } finally {
    s3.closeAllConnections?.();
    await new Promise((r) => s3.close(r));
  }
});

// A host that cannot send COOP/COEP: --no-isolation leaves them out.
test('isolation: false sends no COOP/COEP', async () => {
  const { server: s2 } = await startServer({ port: 0, root, isolation: false });
  try {
    for (const p of ['/index.html', '/missing']) {
      const res = await fetch(`http://127.0.0.1:${s2.address().port}${p}`);
      assert.equal(res.headers.get('cross-origin-opener-policy'), null, p);
      assert.equal(res.headers.get('cross-origin-embedder-policy'), null, p);
      assert.equal(res.headers.get('cache-control'), 'no-store', p);
    }
  } finally {
    s2.closeAllConnections?.();
    await new Promise((r) => s2.close(r));
  }
});

// Without Go on PATH the status names the package to install.
test('/go/status.json without Go says to install golang-go', () => {
  const code = `import { goWasmStatus } from ${JSON.stringify(path.join(REPO, 'web/server.mjs'))};
    console.log(JSON.stringify(goWasmStatus({ execJs: null, wasm: '/nonexistent/gort-go.wasm' })));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    encoding: 'utf8', env: { ...process.env, PATH: path.join(tmp, 'no-such-bin') },
  });
  assert.equal(r.status, 0, r.stderr);
  const st = JSON.parse(r.stdout);
  assert.equal(st.ready, false);
  assert.match(st.why, /Go is not installed: .*apt-get install -y golang-go/);
});
