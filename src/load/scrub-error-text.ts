/**
 * Last line of defence before an error message is stored: bearer tokens, JWTs and
 * secret-looking query parameters are blanked, and the text is bounded. Callers should
 * not pass secrets at all; this only keeps a slip from ending up in the warehouse.
 */
export function scrubErrorText(text: string, maxLength = 4_000): string {
  const redacted = text
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, "$1 [redacted]")
    .replace(/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, "[redacted-jwt]")
    .replace(
      /([?&](?:access_token|client_secret|password|code|sig|token)=)[^&\s"']+/gi,
      "$1[redacted]",
    )
    .replace(/(postgres(?:ql)?:\/\/[^:/\s]+:)[^@\s]+@/gi, "$1[redacted]@")
    .replaceAll("\u0000", "\ufffd");
  return redacted.length > maxLength ? `${redacted.slice(0, maxLength - 1)}…` : redacted;
}
