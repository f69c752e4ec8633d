// wasm-spike.test.mjs - the Emscripten recipe itself (tests/wasm-spike):
// a fiber parked on one worker resumes on another with its locals and
// sees the new worker's thread-locals; exit codes from main and from a
// pthread; ordered output; and, built without wasm/post.js, the migration
// must crash ("start is not a function"), proving post.js is what makes it
// work. Built by `node scripts/build.mjs --test` into build-wasm-spike/.
import { ctestSuite } from './lib/ctest.mjs';

ctestSuite('wasm spike (fiber migration between workers)', 'build-wasm-spike');
