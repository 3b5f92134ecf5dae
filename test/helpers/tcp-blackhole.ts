import type { Socket } from "bun";

/**
 * A TCP proxy to 127.0.0.1:`targetPort` that can turn into a black hole: after `silence()` it
 * keeps every connection open but passes nothing either way, like a server whose VM vanished or a
 * network partition (no RST, no FIN). `close()` ends every connection.
 */
export function tcpBlackhole(targetPort: number): { port: number; silence(): void; close(): void } {
  let silent = false;
  const sockets = new Set<Socket<unknown>>();
  const listener = Bun.listen<{ peer: Promise<Socket<unknown>> }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(client) {
        sockets.add(client);
        client.data = {
          peer: Bun.connect({
            hostname: "127.0.0.1",
            port: targetPort,
            socket: {
              open: (server) => void sockets.add(server),
              data: (_server, chunk) => void (silent || client.write(chunk)),
              close: () => {
                client.end();
              },
            },
          }),
        };
      },
      data(client, chunk) {
        if (!silent) void client.data.peer.then((server) => server.write(chunk));
      },
      close(client) {
        void client.data.peer.then((server) => server.end());
      },
    },
  });
  return {
    port: listener.port,
    silence: () => (silent = true),
    close: () => {
      for (const socket of sockets) socket.end();
      listener.stop(true);
    },
  };
}
