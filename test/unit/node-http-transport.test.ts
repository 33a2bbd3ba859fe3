// The CLI's transport (src/http/node-http.ts) against a real node:http server on loopback: an answer
// slower than the pool's idle limit still arrives, and a pooled socket left idle is closed by the client
// before a server with Node's default keep-alive timeout (5 s) closes it, so the next request is never
// written on a socket the server is closing (a reset, fatal for a one-time code's exchange).
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeHttpTransport } from '../../src/http/node-http.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

describe('nodeHttpTransport', () => {
  it('keeps a socket for a slow answer, and closes it itself once idle, before the server would', async () => {
    const sockets: Array<{ socket: Socket; ended: Promise<number> }> = [];
    server = createServer((request, response) => {
      const delay = request.url === '/slow' ? 4_200 : 0;
      setTimeout(() => response.end('{"code":0}'), delay);
    });
    server.keepAliveTimeout = 5_000;
    server.on('connection', (socket) => {
      // When the client ends it: the time; when the server's own keep-alive timer destroys it: never.
      const ended = new Promise<number>((resolve) => {
        socket.once('end', () => resolve(Date.now()));
        socket.once('close', () => resolve(Number.POSITIVE_INFINITY));
      });
      sockets.push({ socket, ended });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const slow = await nodeHttpTransport({ method: 'GET', url: `${base}/slow`, headers: {} }, { timeoutMs: 30_000 });
    expect(slow.status).toBe(200);
    expect(sockets).toHaveLength(1);
    // The client's FIN reaches the server (an 'end' on its side) before the server's own 5 s timer fires.
    expect(Number.isFinite(await sockets[0]!.ended), 'the client closed its idle socket before the server did').toBe(true);

    const next = await nodeHttpTransport({ method: 'GET', url: `${base}/fast`, headers: {} }, { timeoutMs: 30_000 });
    expect(next.status).toBe(200);
    expect(sockets).toHaveLength(2);
  }, 20_000);

  it("ends a request when its signal aborts, with the signal's reason, and sends nothing once it has", async () => {
    let arrived = 0;
    let markArrived: () => void = () => undefined;
    const arrival = new Promise<void>((resolve) => (markArrived = resolve));
    server = createServer(() => {
      arrived++;
      markArrived(); // never answers
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const controller = new AbortController();
    const pending = nodeHttpTransport({ method: 'GET', url: `${base}/hang`, headers: {} }, { timeoutMs: 30_000, signal: controller.signal });
    await arrival;
    const reason = new Error('interrupted');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);

    await expect(nodeHttpTransport({ method: 'GET', url: `${base}/late`, headers: {} }, { signal: controller.signal })).rejects.toBe(reason);
    expect(arrived).toBe(1);
    server.closeAllConnections();
  });
});
