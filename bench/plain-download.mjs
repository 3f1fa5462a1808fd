// The practical floor for any n8n node: Node.js itself streaming a URL into a file, with no n8n in
// between. `node bench/plain-download.mjs <url> <file> <token>`; prints the milliseconds it took.
import { createWriteStream } from 'node:fs';
import { get } from 'node:http';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';

const [url, file, token] = process.argv.slice(2);
const started = performance.now();
const response = await new Promise((resolve, reject) =>
	get(url, { headers: { Authorization: `Bearer ${token}` } }, resolve).on('error', reject),
);
if (response.statusCode !== 200) throw new Error(`GET answered ${response.statusCode}`);
await pipeline(response, createWriteStream(file));
process.stdout.write(`${Math.round(performance.now() - started)}\n`);
