/**
 * Where a backup goes (reference §2.13): `<YYYY-MM-DD>/<database>-<HHMMSS>.sql` under the backup
 * directory, in UTC. `attempt` > 0 names a second backup of the same second
 * (`<database>-<HHMMSS>-<attempt>.sql`), so two never write one file.
 */
export function backupPath(database: string, at: Date, attempt = 0): string {
  const iso = at.toISOString();
  const day = iso.slice(0, 10);
  const time = iso.slice(11, 19).replace(/:/g, '');
  const safe = database.replace(/[^A-Za-z0-9_.-]/g, '_') || 'database';
  return `${day}/${safe}-${time}${attempt ? `-${attempt}` : ''}.sql`;
}

/** The major version of `pg_dump --version` ("pg_dump (PostgreSQL) 15.20 (Debian …)"), or null. */
export function clientMajor(versionLine: string): number | null {
  const m = /\(PostgreSQL\)\s+(\d+)/.exec(versionLine);
  return m ? Number(m[1]) : null;
}

/** The major version of `server_version_num` (150020 → 15; 90624 → 9). */
export function serverMajor(versionNum: number): number {
  return Math.floor(versionNum / 10000);
}

/**
 * Why pg_dump cannot be used against this server, or null when it can. Its major version must
 * be the server's: an older one refuses a newer server, a newer one writes SQL the server may
 * not read back.
 */
export function versionMismatch(client: number | null, server: number): string | null {
  if (client === null) return 'pg_dump was not found or did not report its version';
  if (client === server) return null;
  return (
    `pg_dump ${client} does not match the PostgreSQL ${server} server: install the ` +
    `PostgreSQL ${server} client tools (pg_dump must have the server's major version)`
  );
}
