import pg from "pg";
import { describe, expect, it } from "vitest";
import { DatabaseError } from "../../src/errors.ts";
import { classifyDatabaseError, retryRuleFor, withRetry } from "../../src/load/retryable.ts";

/** An error as pg reports a server ErrorResponse. */
function serverError(code: string, message = `server says ${code}`): pg.DatabaseError {
  const error = new pg.DatabaseError(message, 0, "error");
  error.code = code;
  error.severity = "ERROR";
  return error;
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, errno: -1 });
}

describe("classifyDatabaseError", () => {
  it.each([
    ["40001", "serialization failure"],
    ["40P01", "deadlock detected"],
    ["57P01", "admin shutdown"],
    ["57P02", "crash shutdown"],
    ["57P03", "cannot connect now"],
    ["53300", "too many connections"],
    ["55P03", "lock not available"],
    ["08006", "connection exception"],
    ["08001", "connection exception"],
    ["08000", "connection exception"],
  ])("treats SQLSTATE %s (%s) as retryable", (code, reason) => {
    const error = classifyDatabaseError(serverError(code), { userId: "u1" });
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({ retryable: true, sqlState: code, userId: "u1" });
    expect(error.message).toBe(`database: ${code} ${reason}: server says ${code}`);
    expect(retryRuleFor(error)?.reason).toBe(reason);
  });

  it.each([
    ["23505", "unique violation"],
    ["22007", "invalid datetime format"],
    ["42P01", "undefined table"],
    ["57014", "query canceled (statement_timeout)"],
    ["P0001", "raise exception"],
    ["28P01", "invalid password"],
    ["53100", "disk full"],
  ])("treats SQLSTATE %s (%s) as fatal", (code) => {
    const error = classifyDatabaseError(serverError(code));
    expect(error).toMatchObject({ retryable: false, sqlState: code });
    expect(retryRuleFor(serverError(code))).toBeUndefined();
  });

  it.each(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT"])(
    "treats a %s socket error as a retryable lost connection without SQLSTATE",
    (code) => {
      const error = classifyDatabaseError(socketError(code));
      expect(error).toMatchObject({ retryable: true, sqlState: undefined });
      expect(error.message).toBe(`database: connection lost: connect ${code} 127.0.0.1:5432`);
    },
  );

  it("treats pg's own messages for a dropped connection as retryable", () => {
    for (const message of [
      "Connection terminated unexpectedly",
      "Client has encountered a connection error and is not queryable",
      "timeout exceeded when trying to connect",
    ]) {
      expect(classifyDatabaseError(new Error(message)).retryable).toBe(true);
    }
  });

  it("keeps the original error as cause and returns a DatabaseError unchanged", () => {
    const original = serverError("40001");
    const error = classifyDatabaseError(original);
    expect(error.cause).toBe(original);
    expect(classifyDatabaseError(error)).toBe(error);
  });
});

describe("withRetry", () => {
  it("retries a retryable error with growing, jittered delays from its rule, then succeeds", async () => {
    const sleeps: number[] = [];
    const attempts: number[] = [];
    const result = await withRetry(
      async (attempt) => {
        attempts.push(attempt);
        if (attempt < 4) throw serverError("40P01");
        return "done";
      },
      { maxAttempts: 5 },
      async (ms) => {
        sleeps.push(ms);
      },
      { random: () => 0.5 },
    );
    expect(result).toBe("done");
    expect(attempts).toEqual([1, 2, 3, 4]);
    // 40P01: 50 ms doubling, capped at 2 s; random 0.5 puts each at 3/4 of its step.
    expect(sleeps).toEqual([38, 75, 150]);
  });

  it("caps the delay at the rule's maximum", async () => {
    const sleeps: number[] = [];
    await expect(
      withRetry(
        async () => {
          throw serverError("57P01");
        },
        { maxAttempts: 8 },
        async (ms) => {
          sleeps.push(ms);
        },
        { random: () => 0.999999 },
      ),
    ).rejects.toBeInstanceOf(DatabaseError);
    expect(sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });

  it("gives up after maxAttempts with the classified error", async () => {
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls++;
        throw serverError("40001");
      },
      { maxAttempts: 3 },
      async () => undefined,
    ).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({ retryable: true, sqlState: "40001" });
  });

  it("does not retry a fatal database error", async () => {
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls++;
        throw serverError("23505");
      },
      { maxAttempts: 5 },
      async () => expect.unreachable("no sleep for a fatal error"),
    ).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(error).toMatchObject({ retryable: false, sqlState: "23505" });
  });

  it("passes an error that is not from the database through untouched, without retry", async () => {
    const bug = new TypeError("cannot read properties of undefined");
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls++;
        throw bug;
      },
      { maxAttempts: 5 },
      async () => undefined,
    ).catch((e: unknown) => e);
    expect(error).toBe(bug);
    expect(calls).toBe(1);
  });
});
