/**
 * A server that ends the connection in the same read as the handshake (a backend
 * terminated right after it accepted us, as a restart or pg_terminate_backend does): the
 * run lock's connection must fail as a DatabaseError, not as an unheard 'error' event
 * that crashes the process before connect()'s promise lets the caller listen.
 */
import net from "node:net";
import { afterAll, expect, it } from "vitest";
import { DatabaseError } from "../../src/errors.ts";
import { acquireRunLock } from "../../src/schedule/run-lock.ts";

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, "latin1");
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

/** AuthenticationOk, ReadyForQuery and a FATAL 57P01 in one write, then the end. */
const ACCEPTED_THEN_TERMINATED = Buffer.concat([
  message("R", int32(0)),
  message("Z", Buffer.from("I", "latin1")),
  message(
    "E",
    Buffer.from(
      "SFATAL\0C57P01\0Mterminating connection due to administrator command\0\0",
      "latin1",
    ),
  ),
]);

const server = net.createServer((socket) => {
  socket.on("error", () => undefined);
  socket.once("data", () => socket.end(ACCEPTED_THEN_TERMINATED));
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it("a connection terminated in the handshake's read fails the lock as a DatabaseError, with no uncaught error", async () => {
  const { port } = server.address() as net.AddressInfo;
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown): void => void uncaught.push(error);
  process.on("uncaughtException", onUncaught);
  try {
    await expect(
      acquireRunLock(`postgres://tester@127.0.0.1:${port}/db?sslmode=disable`, { wait: false }),
    ).rejects.toBeInstanceOf(DatabaseError);
    // Any event still due from the socket has been delivered.
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    process.off("uncaughtException", onUncaught);
  }
  expect(uncaught).toEqual([]);
});
