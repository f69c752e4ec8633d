// web/server.mjs — the static server for gort's demo page.
//
// Rules:
//  - node:http only, no dependencies; binds 127.0.0.1 and nothing else.
//  - Serves files under one root folder (web/ by default) and never anything
//    outside it: the path is decoded segment by segment, and NUL bytes,
//    undecodable escapes, encoded '/' or '\' and backslashes are refused
//    (400); '.' or '..' segments and symlinks whose real path leaves the root
//    are refused (403); dot-files (.git, .env ...) are not served (404).
//  - Every response, errors included, carries the cross-origin isolation
//    headers (COOP same-origin, COEP require-corp, CORP same-origin) that
//    Emscripten pthreads need for SharedArrayBuffer, plus Cache-Control:
//    no-store and X-Content-Type-Options: nosniff. `isolation: false`
//    (CLI --no-isolation) leaves COOP and COEP out, as a host that cannot
//    send them would: the page then runs its single-threaded build.
//  - GET and HEAD only.
//  - Mounts: /vendor/uplot/ serves node_modules/uplot/dist/ (the page's
//    charting library, installed by `npm install`; no CDN), with the same
//    checks, the mount's folder standing for the root.
//  - Go's js/wasm port, for the page's comparison: /go/wasm_exec.js is Go's
//    glue at its installed path ($GOROOT, bench/lib/gowasm.mjs; never a
//    copy), /go/gort-go.wasm the Go twin built for it (bench/go/build.sh:
//    build/bench/gort-go.wasm); two single files, nothing else of either
//    folder. /go/status.json says whether both are there and, when not,
//    what to run ({ready, why}). Both paths can be given (option goWasm).
//
// CLI:   node web/server.mjs [--port N] [--root DIR] [--no-isolation]
//        (PORT env; default 8080; --port 0 picks a free port).
//        Prints "gort demo: http://127.0.0.1:PORT/".
// API:   import { startServer } from './server.mjs';
//        const { server, url } = await startServer({ port: 0, root,
//          isolation: true, goWasm: { execJs, wasm } });

import http from 'node:http';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { wasmExecJs } from '../bench/lib/gowasm.mjs';

export const HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;
export const DEFAULT_ROOT = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(DEFAULT_ROOT, '..');

// URL prefix (segments) -> folder served there instead of the root.
export const MOUNTS = [
  { prefix: ['vendor', 'uplot'], dir: path.join(REPO_ROOT, 'node_modules', 'uplot', 'dist') },
];

// Go's js/wasm port: where its two files are by default. Go's glue is
// asked for (`go env GOROOT`) at the first request that needs it.
export const GO_WASM = path.join(REPO_ROOT, 'build', 'bench', 'gort-go.wasm');

function goOnPath() {
  return spawnSync('go', ['version'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

// {ready, why}: whether the page can run Go's js/wasm port, and if not
// what to do about it.
export function goWasmStatus({ execJs, wasm }) {
  if (!execJs) {
    if (!goOnPath()) {
      return { ready: false, why: 'Go is not installed: `sudo apt-get install -y golang-go` (or `node scripts/setup.mjs --browser` as root), then `npm run demo`, which builds the Go twin for js/wasm.' };
    }
    return { ready: false, why: 'this Go ships no wasm_exec.js under $GOROOT/misc/wasm or $GOROOT/lib/wasm, the glue its js/wasm port needs.' };
  }
  if (!fs.existsSync(wasm)) {
    return { ready: false, why: `the Go twin for js/wasm is not built (${path.relative(REPO_ROOT, wasm)}): run \`npm run demo\` or \`sh bench/go/build.sh\`.` };
  }
  return { ready: true, why: '' };
}

function mountFor(segments) {
  return MOUNTS.find((m) => m.prefix.length <= segments.length
    && m.prefix.every((s, i) => segments[i] === s));
}

export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

const BASE_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};
const UNISOLATED_HEADERS = {
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

function sendError(res, status, text, extra = {}) {
  const body = `${status} ${text}\n`;
  res.writeHead(status, {
    ...res.baseHeaders,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    ...extra,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

// Turns a request target into a list of safe, decoded path segments, or an
// {status, text} error. Never touches the file system.
export function parseTarget(target) {
  if (typeof target !== 'string' || target.length === 0) return { status: 400, text: 'Bad Request' };
  if (target.includes('\0')) return { status: 400, text: 'Bad Request' };
  let p = target;
  // absolute-form ("GET http://host/path HTTP/1.1"): keep only the path
  if (!p.startsWith('/')) {
    if (!/^https?:\/\//i.test(p)) return { status: 400, text: 'Bad Request' };
    try { p = new URL(p).pathname; } catch { return { status: 400, text: 'Bad Request' }; }
  }
  p = p.split('?')[0].split('#')[0];
  if (p.includes('\\')) return { status: 400, text: 'Bad Request' };
  const segments = [];
  for (const raw of p.split('/')) {
    if (raw === '') continue;
    let seg;
    try { seg = decodeURIComponent(raw); } catch { return { status: 400, text: 'Bad Request' }; }
    if (seg.includes('\0') || seg.includes('/') || seg.includes('\\')) return { status: 400, text: 'Bad Request' };
    if (seg === '.' || seg === '..') return { status: 403, text: 'Forbidden' };
    if (seg.startsWith('.')) return { status: 404, text: 'Not Found' };
    segments.push(seg);
  }
  return { segments, trailingSlash: p.endsWith('/') };
}

function isInside(child, parent) {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

// Serves one file the server chose (not a path from the request).
async function sendFile(req, res, file) {
  let st;
  try { st = await fsp.stat(file); } catch { return sendError(res, 404, 'Not Found'); }
  if (!st.isFile()) return sendError(res, 404, 'Not Found');
  const type = MIME[path.extname(file).toLowerCase()] || 'application/octet-stream';
  res.writeHead(200, { ...res.baseHeaders, 'Content-Type': type, 'Content-Length': st.size });
  if (req.method === 'HEAD') return res.end();
  const stream = fs.createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

// The /go/ routes: exactly three names, each mapped to one file or answer.
async function sendGo(req, res, name, goWasm) {
  // A path given (null: Go's glue is absent) wins over the installed one.
  const files = { execJs: 'execJs' in goWasm ? goWasm.execJs : wasmExecJs(), wasm: goWasm.wasm ?? GO_WASM };
  if (name === 'status.json') {
    const body = JSON.stringify(goWasmStatus(files)) + '\n';
    res.writeHead(200, { ...res.baseHeaders, 'Content-Type': MIME['.json'], 'Content-Length': Buffer.byteLength(body) });
    return res.end(req.method === 'HEAD' ? undefined : body);
  }
  if (name === 'wasm_exec.js' && files.execJs) return sendFile(req, res, files.execJs);
  if (name === 'gort-go.wasm') return sendFile(req, res, files.wasm);
  return sendError(res, 404, 'Not Found');
}

function makeHandler(root, realRoot, { isolation, goWasm }) {
  const baseHeaders = isolation ? BASE_HEADERS : UNISOLATED_HEADERS;
  return async function handle(req, res) {
    res.baseHeaders = baseHeaders;
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return sendError(res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
      }
      const parsed = parseTarget(req.url);
      if (parsed.status) return sendError(res, parsed.status, parsed.text);
      let { segments } = parsed;
      const { trailingSlash } = parsed;
      if (segments.length === 2 && segments[0] === 'go') return await sendGo(req, res, segments[1], goWasm);
      let base = root;
      let realBase = realRoot;
      const mount = mountFor(segments);
      if (mount) {
        base = mount.dir;
        try { realBase = await fsp.realpath(base); } catch { return sendError(res, 404, 'Not Found'); }
        segments = segments.slice(mount.prefix.length);
      }

      let file = path.resolve(base, ...segments);
      if (!isInside(file, base)) return sendError(res, 403, 'Forbidden');

      let real;
      try { real = await fsp.realpath(file); } catch { return sendError(res, 404, 'Not Found'); }
      if (!isInside(real, realBase)) return sendError(res, 403, 'Forbidden');

      let st = await fsp.stat(real);
      if (st.isDirectory()) {
        if (!trailingSlash && parsed.segments.length > 0) {
          // rebuilt from the checked segments, so it always stays on this origin
          const loc = '/' + parsed.segments.map(encodeURIComponent).join('/') + '/';
          return sendError(res, 301, 'Moved Permanently', { Location: loc });
        }
        file = path.join(real, 'index.html');
        try { real = await fsp.realpath(file); } catch { return sendError(res, 404, 'Not Found'); }
        if (!isInside(real, realBase)) return sendError(res, 403, 'Forbidden');
        st = await fsp.stat(real);
      }
      if (!st.isFile()) return sendError(res, 404, 'Not Found');

      const type = MIME[path.extname(real).toLowerCase()] || 'application/octet-stream';
      res.writeHead(200, { ...baseHeaders, 'Content-Type': type, 'Content-Length': st.size });
      if (req.method === 'HEAD') return res.end();
      const stream = fs.createReadStream(real);
      stream.on('error', () => res.destroy());
      stream.pipe(res);
    } catch {
      if (!res.headersSent) sendError(res, 500, 'Internal Server Error');
      else res.destroy();
    }
  };
}

// Starts the server. Resolves to { server, url } once it listens.
export async function startServer({
  port = DEFAULT_PORT, root = DEFAULT_ROOT, host = HOST, isolation = true, goWasm = {},
} = {}) {
  if (host !== '127.0.0.1') throw new Error('gort demo server binds 127.0.0.1 only');
  const absRoot = path.resolve(root);
  const realRoot = await fsp.realpath(absRoot);
  const st = await fsp.stat(realRoot);
  if (!st.isDirectory()) throw new Error(`root is not a folder: ${absRoot}`);
  const server = http.createServer(makeHandler(absRoot, realRoot, { isolation, goWasm }));
  // Requests Node's parser rejects (NUL or spaces in the target, bad headers)
  // still get an answer with the isolation headers.
  server.on('clientError', (err, socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') return socket.destroy();
    const head = Object.entries(isolation ? BASE_HEADERS : UNISOLATED_HEADERS).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.end(`HTTP/1.1 400 Bad Request\r\n${head}Content-Type: text/plain; charset=utf-8\r\n`
      + 'Content-Length: 16\r\nConnection: close\r\n\r\n400 Bad Request\n');
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  const url = `http://${host}:${server.address().port}/`;
  return { server, url };
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (a.includes('=')) return a.slice(a.indexOf('=') + 1);
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--port' || a.startsWith('--port=')) out.port = val();
    else if (a === '--root' || a.startsWith('--root=')) out.root = val();
    else if (a === '--no-isolation') out.isolation = false;
    else if (a === '-h' || a === '--help') out.help = true;
    else throw new Error(`unknown argument: ${a}`);
  }
  return out;
}

async function main() {
  let args;
  try { args = parseArgs(process.argv.slice(2)); } catch (e) {
    console.error(`server.mjs: ${e.message}`);
    process.exit(2);
  }
  if (args.help) {
    console.log('usage: node web/server.mjs [--port N] [--root DIR] [--no-isolation]   (env PORT; default 8080; 0 = any free port)');
    return;
  }
  const portText = args.port ?? process.env.PORT ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(String(portText)) || port > 65535) {
    console.error(`server.mjs: bad port: ${portText}`);
    process.exit(2);
  }
  let started;
  try {
    started = await startServer({ port, root: args.root ?? DEFAULT_ROOT, isolation: args.isolation ?? true });
  } catch (e) {
    console.error(`server.mjs: ${e.code === 'EADDRINUSE' ? `port ${port} is in use (try --port 0)` : e.message}`);
    process.exit(1);
  }
  console.log(`gort demo: ${started.url}`);
  const stop = () => { started.server.close(); started.server.closeAllConnections?.(); process.exit(0); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main();
}
