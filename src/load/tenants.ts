/**
 * The tenant a row belongs to. A single-tenant install (no --tenants-file) is the tenant
 * `default`, the column default of every tenant column, so its rows and behaviour are
 * what they were before tenants existed.
 */
export const DEFAULT_TENANT = "default";

/**
 * A tenant's name: it becomes part of lock names, job queue names and reader role names
 * (`teams_reader_<name>`), so it is kept short and plain.
 */
export const TENANT_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,39}$/;
