/** The exit codes of docs/design.md: relied on by cron wrappers and checks outside the repo. */
export const EXIT = Object.freeze({
  ok: 0,
  fatal: 1,
  usage: 2,
  partial: 3,
});
