/** What the normalizers keep of personal data; the CLI builds it once from config. */
export interface NormalizeOptions {
  /** False: message text is not stored (`body_content` null, bodies dropped from stored JSON). */
  readonly includeMessageBodies: boolean;
  /** True: emails are stored as the lowercase-hex SHA-256 of the lowercased address, everywhere. */
  readonly hashEmails: boolean;
}

export const DEFAULT_NORMALIZE_OPTIONS: NormalizeOptions = Object.freeze({
  includeMessageBodies: true,
  hashEmails: false,
});

/** Fills in the defaults; every normalizer accepts a partial object and calls this. */
export function resolveNormalizeOptions(options: Partial<NormalizeOptions> = {}): NormalizeOptions {
  return Object.freeze({
    includeMessageBodies:
      options.includeMessageBodies ?? DEFAULT_NORMALIZE_OPTIONS.includeMessageBodies,
    hashEmails: options.hashEmails ?? DEFAULT_NORMALIZE_OPTIONS.hashEmails,
  });
}
