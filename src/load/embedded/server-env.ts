/**
 * The whole environment initdb and the server get. The server runs `COPY … FROM PROGRAM`
 * for any superuser, and its children and /proc/<pid>/environ show what it inherited, so
 * nothing of the operator's environment (Graph tokens, client secrets, DATABASE_URL)
 * may reach it: only what Postgres itself reads.
 */
export function serverEnv(parent: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    // Server messages in English: start-up failures are matched on their text.
    LC_MESSAGES: "C",
    // initdb picks the cluster's default time zone from TZ when it is set.
    ...(parent.TZ ? { TZ: parent.TZ } : {}),
  };
}
