import { connect, createServer, type Socket } from 'node:net';

/**
 * A loopback TCP proxy to a server that a test can silence: while silenced, connections stay
 * open but nothing passes either way, as when a database host hangs or a network drops packets
 * (the server neither answers nor refuses). Connections end when either side ends them.
 */
export interface SilenceableProxy {
  port: number;
  silenced: boolean;
  close(): Promise<void>;
}

export async function startSilenceableProxy(targetPort: number): Promise<SilenceableProxy> {
  const sockets = new Set<Socket>();
  const state = { silenced: false };
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    client.on('data', (chunk) => state.silenced || upstream.write(chunk));
    upstream.on('data', (chunk) => state.silenced || client.write(chunk));
    // Either side ending or failing ends the other, as the server going away would.
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('proxy has no port');
  return {
    port: address.port,
    get silenced() {
      return state.silenced;
    },
    set silenced(value: boolean) {
      state.silenced = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
