// Listening on 127.0.0.1 and closing again, for every server the CLI starts (`sandbox serve`, `sandbox
// phone`, connect's OAuth callback). None of them has auth, so none may be reachable from the network;
// a port that cannot be bound is refused in the same words everywhere (each caller adds its own hint).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const LOOPBACK_HOST = '127.0.0.1';

/** A port that cannot be bound: in use by another program, or privileged. `code` is the system's. */
export class LoopbackPortError extends Error {
  constructor(
    readonly port: number,
    readonly code: 'EADDRINUSE' | 'EACCES',
    cause?: unknown,
  ) {
    super(code === 'EADDRINUSE' ? `Port ${port} on ${LOOPBACK_HOST} is already in use.` : `Not allowed to listen on port ${port} of ${LOOPBACK_HOST}.`, {
      cause,
    });
    this.name = 'LoopbackPortError';
  }
}

export interface LoopbackListener {
  /** The bound port (the OS's choice when 0 was asked for). */
  readonly port: number;
  /** Stops listening and drops every open connection (a held callback, an event stream); idempotent. */
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 only; port 0 or undefined = an ephemeral one. A busy or privileged port rejects with LoopbackPortError. */
export async function listenOnLoopback(server: Server, port = 0): Promise<LoopbackListener> {
  const bound = await new Promise<number>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' || error.code === 'EACCES' ? new LoopbackPortError(port, error.code, error) : error);
    };
    server.once('error', onError);
    server.listen({ host: LOOPBACK_HOST, port, exclusive: true }, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
  let closing: Promise<void> | undefined;
  return {
    port: bound,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Held callbacks, event streams and idle keep-alive sockets would otherwise keep it open.
        server.closeAllConnections();
      })),
  };
}
