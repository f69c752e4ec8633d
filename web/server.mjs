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
//    no-store and X-Content-Type-Options: nosniff.
//  - GET and HEAD only.
//  - Mounts: /vendor/uplot/ serves node_modules/uplot/dist/ (the page's
//    charting library, installed by `npm install`; no CDN), with the same
//    checks, the mount's folder standing for the root.
//
// CLI:   node web/server.mjs [--port N] [--root DIR]    (PORT env; default 8080;
//        --port 0 picks a free port). Prints "gort demo: http://127.0.0.1:PORT/".
// API:   import { startServer } from './server.mjs';
//        const { server, url } = await startServer({ port: 0, root });

import http from 'node:http';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;
export const DEFAULT_ROOT = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(DEFAULT_ROOT, '..');

// URL prefix (segments) -> folder served there instead of the root.
export const MOUNTS = [
  { prefix: ['vendor', 'uplot'], dir: path.join(REPO_ROOT, 'node_modules', 'uplot', 'dist') },
];

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

function sendError(res, status, text, extra = {}) {
  const body = `${status} ${text}\n`;
  res.writeHead(status, {
    ...BASE_HEADERS,
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

function makeHandler(root, realRoot) {
  return async function handle(req, res) {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return sendError(res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
      }
      const parsed = parseTarget(req.url);
      if (parsed.status) return sendError(res, parsed.status, parsed.text);
      let { segments } = parsed;
      const { trailingSlash } = parsed;
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
      res.writeHead(200, { ...BASE_HEADERS, 'Content-Type': type, 'Content-Length': st.size });
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
export async function startServer({ port = DEFAULT_PORT, root = DEFAULT_ROOT, host = HOST } = {}) {
  if (host !== '127.0.0.1') throw new Error('gort demo server binds 127.0.0.1 only');
  const absRoot = path.resolve(root);
  const realRoot = await fsp.realpath(absRoot);
  const st = await fsp.stat(realRoot);
  if (!st.isDirectory()) throw new Error(`root is not a folder: ${absRoot}`);
  const server = http.createServer(makeHandler(absRoot, realRoot));
  // Requests Node's parser rejects (NUL or spaces in the target, bad headers)
  // still get an answer with the isolation headers.
  server.on('clientError', (err, socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') return socket.destroy();
    const head = Object.entries(BASE_HEADERS).map(([k, v]) => `${k}: ${v}\r\n`).join('');
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
    console.log('usage: node web/server.mjs [--port N] [--root DIR]   (env PORT; default 8080; 0 = any free port)');
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
    started = await startServer({ port, root: args.root ?? DEFAULT_ROOT });
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
