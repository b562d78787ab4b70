import { MigrationInterface, QueryRunner } from 'typeorm';

/** Every table of the earlier migrations, in the order they were created. */
const TABLES = [
  'ledgers',
  'identity',
  'balances',
  'transactions',
  'queued_work',
  'identity_token',
  'detokenization_audit',
  'api_keys',
  'reference_claims',
  'engine_settings',
];

/** Their trigger functions. */
const FUNCTIONS = [
  'transactions_immutable()',
  'detokenization_audit_immutable()',
  'transactions_claim_references()',
];

/**
 * Neraca's tables in schema `blnk`, where Blnk keeps its own (reference §11) and where reporting
 * tools written for Blnk read them (`SELECT … FROM blnk.transactions`).
 *
 * Neraca's SQL names tables without a schema and every Neraca session runs with
 * `search_path = blnk,public` (libs/persistence/schema.ts). `migrateUp` creates the schema and
 * moves TypeORM's `neraca_migrations` into it before any migration runs, so on a new database
 * every migration already creates its objects in `blnk` and this one finds nothing to move; on a
 * database made by an earlier release it moves what the earlier migrations left in `public`.
 * `ALTER … SET SCHEMA` keeps OIDs, so indexes, constraints, owned sequences, triggers and foreign
 * keys come along and nothing that refers to a table by OID notices.
 *
 * A function body names tables as text, resolved by the caller's search_path at run time, so a
 * session without `blnk` on its path (a psql on defaults, a restore with an empty path) would fail
 * in `transactions_claim_references`. Each function therefore carries `search_path = blnk`. A
 * later `CREATE OR REPLACE FUNCTION` must repeat the `SET search_path` clause.
 *
 * A table of the same name already in `blnk` (a Blnk database pointed at Neraca) stops the
 * migration with a message instead of mixing the two.
 *
 * Down moves the objects back to `public`; `migrateDown` then returns `neraca_migrations` to
 * `public` and drops the schema if it is empty, the layout the earlier release expects.
 */
export class BlnkSchema1732924800000 implements MigrationInterface {
  name = 'BlnkSchema1732924800000';

  async up(q: QueryRunner): Promise<void> {
    // Normally made by migrateUp already. Checked first: CREATE SCHEMA IF NOT EXISTS would still
    // need the CREATE privilege on the database when a DBA has made the schema.
    await q.query(`DO $$ BEGIN
      IF to_regnamespace('blnk') IS NULL THEN CREATE SCHEMA blnk; END IF;
    END $$`);
    for (const table of TABLES) await move(q, 'TABLE', table, 'public', 'blnk');
    for (const fn of FUNCTIONS) {
      await move(q, 'FUNCTION', fn, 'public', 'blnk');
      await q.query(`ALTER FUNCTION blnk.${fn} SET search_path = blnk`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const fn of FUNCTIONS) {
      await q.query(`ALTER FUNCTION blnk.${fn} RESET search_path`);
      await move(q, 'FUNCTION', fn, 'blnk', 'public');
    }
    for (const table of [...TABLES].reverse()) await move(q, 'TABLE', table, 'blnk', 'public');
  }
}

/** Moves one object from `from` to `to`; nothing to do if it is already in `to`. */
async function move(
  q: QueryRunner,
  kind: 'TABLE' | 'FUNCTION',
  name: string,
  from: string,
  to: string,
): Promise<void> {
  const lookup = kind === 'TABLE' ? 'to_regclass' : 'to_regprocedure';
  const [found] = await q.query(
    `SELECT ${lookup}($1) IS NOT NULL AS here, ${lookup}($2) IS NOT NULL AS there`,
    [`${from}.${name}`, `${to}.${name}`],
  );
  if (!found.here) {
    if (found.there) return;
    throw new Error(`${kind.toLowerCase()} ${name} is in neither schema ${from} nor ${to}`);
  }
  if (found.there) {
    throw new Error(
      `schema ${to} already has a ${kind.toLowerCase()} ${name} (another application's?); ` +
        `Neraca's ${from}.${name} cannot move there`,
    );
  }
  await q.query(`ALTER ${kind} ${from}.${name} SET SCHEMA ${to}`);
}
