#!/usr/bin/env node
'use strict';
// Runs the compiled daemon (dist/, built by `npm ci` / `npm run build`); from a source checkout
// without dist/ it falls back to the TypeScript sources through ts-node.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const compiled = join(__dirname, '..', 'dist', 'daemon', 'cli.js');
let cli;
if (existsSync(compiled)) {
  cli = require(compiled);
} else {
  require('ts-node/register/transpile-only');
  cli = require(join(__dirname, '..', 'daemon', 'cli.ts'));
}
cli.main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
  process.stderr.write(`runlinuxd: internal error: ${e && e.stack ? e.stack : e}\n`);
  process.exitCode = 70;
});
