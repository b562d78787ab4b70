/**
 * Neraca keeps its tables, their functions and its migration table in PostgreSQL schema `blnk`,
 * where Blnk keeps its own (reference §11), so reporting tools written for Blnk find
 * `blnk.transactions`. Neraca's SQL names tables without a schema: every session it opens
 * resolves them through this search_path (`public` after `blnk` for what older layouts and
 * extensions keep there).
 */
export const SCHEMA = 'blnk';
export const SEARCH_PATH = `${SCHEMA},public`;

/** The server option that sets it, as on a `postgres` command line or in a startup packet. */
export const SEARCH_PATH_OPTION = `-c search_path=${SEARCH_PATH}`;

/**
 * node-postgres settings for a Neraca session on `dsn`. The search_path travels in the startup
 * packet (`options`), so it holds from the first statement on every pooled connection, costs no
 * round trip and survives `RESET ALL` / `DISCARD ALL`. node-postgres lets an `options` parameter
 * in the DSN replace the config's, so one there is kept and ours appended (a later `-c` wins).
 * PGlite ignores startup options; `startEmbeddedPostgres` sets the same path as a server option.
 */
export function pgSessionConfig(dsn: string): { connectionString: string; options: string } {
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    return { connectionString: dsn, options: SEARCH_PATH_OPTION };
  }
  const own = url.searchParams.get('options');
  if (own === null) return { connectionString: dsn, options: SEARCH_PATH_OPTION };
  url.searchParams.delete('options');
  return { connectionString: url.toString(), options: `${own} ${SEARCH_PATH_OPTION}` };
}
