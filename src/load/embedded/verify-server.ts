import { realpath } from "node:fs/promises";
import pg from "pg";

/**
 * Connects as the superuser and compares the server's data_directory with ours: a server
 * that answers on the port but serves another cluster is never used.
 */
export async function verifyServer(
  url: string,
  clusterDir: string,
  passFile: string,
): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 30_000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ data_directory: string }>("SHOW data_directory");
    const served = rows[0]?.data_directory ?? "?";
    if ((await realpath(served).catch(() => served)) !== (await realpath(clusterDir))) {
      throw new Error(
        `the server on ${new URL(url).host} serves ${served}, not ${clusterDir}: set EMBEDDED_POSTGRES_PORT to a free port`,
      );
    }
  } catch (error) {
    if ((error as { code?: string }).code === "28P01") {
      throw new Error(
        `the embedded Postgres does not accept the password in ${passFile}: stop the server, delete that file, and the next command sets a new one`,
        { cause: error },
      );
    }
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}
