/** Bytes written or read so far, and the size expected (an estimate for a dump). */
export type ByteProgress = (done: number, total: number) => void;

/**
 * Port: a plain-SQL dump of the whole database and its restore, for the backend at hand
 * (PostgreSQL through pg_dump / psql, embedded PGlite through its own pg_dump build).
 */
export abstract class DatabaseDumper {
  /** The database's name, which names the backup file. */
  abstract databaseName(): Promise<string>;
  /**
   * Writes a consistent dump to `file` (created by the caller's path, mode 0600).
   * @throws DomainError ADMIN_BACKUP_FAILED (pg_dump missing, of another major version, failing).
   */
  abstract dumpTo(file: string, onProgress?: ByteProgress): Promise<void>;
  /** Whether the database has no Neraca schema yet (the only target a restore accepts). */
  abstract isEmpty(): Promise<boolean>;
  /**
   * Runs a dump made by dumpTo, as one transaction where the backend allows.
   * @throws DomainError ADMIN_BACKUP_FAILED when the dump does not apply.
   */
  abstract restoreFrom(file: string, onProgress?: ByteProgress): Promise<void>;
}
