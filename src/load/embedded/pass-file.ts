import { randomBytes } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";

/** The superuser the embedded server is created with. */
export const SUPERUSER = "postgres";

/** 192 random bits, in characters that need no quoting in SQL, URLs or a passfile. */
export function newPassword(): string {
  return randomBytes(24).toString("base64url");
}

/**
 * The password, from the passfile (libpq's format: host:port:database:user:password), or
 * null when there is none yet (a new DATA_DIR, or one made before passwords were random).
 */
export async function readPassword(file: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return null;
  }
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const password = line.split(":")[4];
    if (password) return password;
  }
  return null;
}

/**
 * Writes the passfile for `port` (mode 0600, replaced atomically), so that
 * `PGPASSFILE=<file> psql -h 127.0.0.1 -p <port> -U postgres` needs no password typed or
 * shown. Lines name the host and port: the password is offered to this server only.
 */
export async function writePassFile(file: string, password: string, port: number): Promise<void> {
  const text =
    `# teams-chat-sync: the embedded Postgres superuser; for psql, PGPASSFILE=${file}\n` +
    ["127.0.0.1", "localhost"]
      .map((host) => `${host}:${port}:*:${SUPERUSER}:${password}\n`)
      .join("");
  const current = await readFile(file, "utf8").catch(() => null);
  if (current === text) return;
  // Written under the server lock: one fixed name, so no crash can leave a second copy.
  const staging = `${file}.tmp`;
  await writeFile(staging, text, { mode: 0o600 });
  await rename(staging, file);
}
