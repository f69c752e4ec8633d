#!/usr/bin/env node
// scripts/demo.mjs - `npm run demo`: builds what the page needs (the wasm
// build into web/dist/, the native CLI, and with Go installed the Go twin
// for Go's js/wasm port, build/bench/gort-go.wasm), then serves web/ on
// 127.0.0.1 with the cross-origin isolation headers pthreads need (and
// Go's wasm_exec.js from $GOROOT at /go/), and prints the URL. Stop it
// with Ctrl-C.
//
//   npm run demo [-- --port N] [-- --no-isolation]
//     --port: default 8080; 0 picks a free port
//     --no-isolation: no COOP/COEP headers, as on a host that cannot send
//       them (the page then says so and runs its single-threaded build)
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO } from './setup.mjs';
import { startServer } from '../web/server.mjs';

const built = spawnSync(process.execPath, [path.join(REPO, 'scripts/build.mjs')], { stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);

const i = process.argv.indexOf('--port');
const port = i > 0 ? Number(process.argv[i + 1]) : Number(process.env.PORT ?? 8080);
const isolation = !process.argv.includes('--no-isolation');
const { url } = await startServer({ port, root: path.join(REPO, 'web'), isolation });
console.log(`gort demo: ${url}  (open it in Chromium, Firefox or Safari; Ctrl-C stops)`);
