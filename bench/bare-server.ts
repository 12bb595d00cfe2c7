/**
 * The baseline for the heartbeat benchmark: a bare `node:http` server that answers every
 * request with a heartbeat acknowledgement of the same shape as Muster's, after reading and
 * discarding the body. No routing, authentication, validation or database.
 * Run as a child process; prints `listening <port>` once ready.
 */
import http from 'node:http';

const SYSTEM_KEY = 'NETH-0000-0000-0000-0000-0000-0000-0000-0000';

const server = http.createServer((request, response) => {
  request.on('data', () => undefined);
  request.on('end', () => {
    const body = JSON.stringify({
      code: 200,
      message: 'heartbeat acknowledged',
      data: { system_key: SYSTEM_KEY, acknowledged: true, last_heartbeat: new Date().toISOString() },
    });
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  });
});
server.keepAliveTimeout = 72_000;

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});

process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
