import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import type { ServerUser } from "./server-user.ts";

/**
 * The first directory on the way to `target` (itself included) that `user` may not enter,
 * or null when every one lets it through. Mode bits only, as the kernel checks them for a
 * process with that uid and gid alone (Node's spawn drops supplementary groups).
 */
export async function blockedAt(target: string, user: ServerUser): Promise<string | null> {
  const real = await realpath(target);
  let current = path.parse(real).root;
  const parts = real.slice(current.length).split(path.sep).filter(Boolean);
  for (let i = 0; ; i++) {
    if (!mayEnter(await stat(current), user)) return current;
    const next = parts[i];
    if (next === undefined) return null;
    current = path.join(current, next);
  }
}

function mayEnter(st: { uid: number; gid: number; mode: number }, user: ServerUser): boolean {
  if (st.uid === user.uid) return (st.mode & 0o100) !== 0;
  if (st.gid === user.gid) return (st.mode & 0o010) !== 0;
  return (st.mode & 0o001) !== 0;
}
