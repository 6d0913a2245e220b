// The ceiling for bench:esipa: a bare node:https server, same certificate and timeouts as the ESipa
// server, answering every request with the fixed 6-byte GetEimPackageResponse (noEimPackageAvailable).
// Run as a child process: BENCH_CERT, BENCH_KEY (PEM files), BENCH_PORT.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const BODY = Buffer.from('bf4f03020101', 'hex');
const server = createServer(
  { cert: readFileSync(process.env.BENCH_CERT!), key: readFileSync(process.env.BENCH_KEY!), minVersion: 'TLSv1.2' },
  (req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(200, ['Content-Type', 'application/x-gsma-rsp-asn1', 'Content-Length', '6', 'X-Admin-Protocol', 'gsma/rsp/v2.1.0']);
      res.end(BODY);
    });
  },
);
server.keepAliveTimeout = 30_000;
server.listen(Number(process.env.BENCH_PORT), '127.0.0.1', () => console.log(`bare https listening on ${process.env.BENCH_PORT}`));
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
