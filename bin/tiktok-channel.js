#!/usr/bin/env node
// Thin launcher: run the compiled CLI, then leave once output is flushed (idle keep-alive sockets must
// not hold the process open).
import { main } from '../dist/cli.js';

const code = await main();
const flush = (stream) => new Promise((resolve) => (stream.writableLength ? stream.write('', resolve) : resolve()));
await Promise.all([flush(process.stdout), flush(process.stderr)]);
process.exit(code);
