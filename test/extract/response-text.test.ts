import { describe, expect, it } from "vitest";
import { cleanError, cleanResponseText, cleanerFor } from "../../src/extract/response-text.ts";

const secret = "s3cr3t-T0KEN.value";

describe("cleanResponseText", () => {
  it("cuts known secrets, also when control characters were slipped inside them", () => {
    expect(cleanResponseText(`id ${secret} end`, [secret])).toBe("id [redacted] end");
    const hidden = secret.split("").join("\u0000");
    expect(cleanResponseText(`id ${hidden}`, [secret])).toBe("id [redacted]");
  });

  it("cuts bearer credentials it was not told about", () => {
    expect(cleanResponseText("got Bearer abc.DEF-123_x", [])).toBe("got Bearer [redacted]");
  });

  it("drops controls and the marks that reorder or break lines, and caps the length", () => {
    expect(cleanResponseText("a\r\nb\u001b[2Jc\u202ed\u2028e\u0085f", [])).toBe("ab[2Jcdef");
    const long = cleanResponseText("x".repeat(1000), [], 100);
    expect(long).toHaveLength(100);
    expect(long.endsWith("…")).toBe(true);
    // Never ends on half of a surrogate pair.
    const emoji = cleanResponseText(`${"x".repeat(98)}😀😀`, [], 100);
    expect(emoji).toBe(`${"x".repeat(98)}…`);
  });

  it("copies an error chain with clean messages, keeping name and code for classification", () => {
    const inner = Object.assign(new Error(`socket said ${secret}\n`), { code: "ECONNRESET" });
    const outer = new TypeError(`fetch failed for ${secret}`, { cause: inner });
    const copy = cleanError(outer, cleanerFor([secret]));
    expect(copy).toMatchObject({ name: "TypeError", message: "fetch failed for [redacted]" });
    expect(copy.cause).toMatchObject({ code: "ECONNRESET", message: "socket said [redacted]" });
    expect(JSON.stringify(copy)).not.toContain(secret);
    expect(String(copy.stack)).not.toContain(secret);
  });
});
