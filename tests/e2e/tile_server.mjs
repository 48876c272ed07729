// tile_server.mjs — a stand-in for a LAN map tile server (plain http, another origin
// than the app) for the end-to-end test: every GET /{z}/{x}/{y}.svg answers a 256×256
// SVG tile, anything else 404. Listens on 127.0.0.1, on the port given as the first
// argument (0: a free one) and prints "tile-server: port N" on stdout once listening.
// Stops on SIGTERM or SIGINT.
import { createServer } from 'node:http';

const TILE = /^\/(\d{1,2})\/(\d{1,7})\/(\d{1,7})\.svg$/;

function tile(z, x, y) {
  const shade = (x + y) % 2 ? '#dfe9d8' : '#e8efe2';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">`
    + `<rect width="256" height="256" fill="${shade}"/>`
    + '<path d="M0 0H256V256" fill="none" stroke="#c4d3bb" stroke-width="2"/>'
    + `<text x="8" y="20" font-family="sans-serif" font-size="12" fill="#8aa07e">${z}/${x}/${y}</text></svg>`;
}

const server = createServer((req, res) => {
  const m = req.method === 'GET' ? TILE.exec(req.url || '') : null;
  if (!m) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('no such tile\n');
    return;
  }
  const body = tile(Number(m[1]), Number(m[2]), Number(m[3]));
  res.writeHead(200, { 'Content-Type': 'image/svg+xml', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'max-age=60' });
  res.end(body);
});

server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  process.stdout.write(`tile-server: port ${server.address().port}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
