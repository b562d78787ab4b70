import { DEFAULT_SNAPSHOT_BATCH } from '../domain/balance-history';

/** `balance_snapshots.*` (Neraca's keys, docs/operations.md): the daily snapshot run. */
export class SnapshotSchedule {
  constructor(
    /** false = no scheduled run (POST /balances-snapshots still works). */
    readonly enabled = false,
    /** When the daily run starts: minutes after midnight UTC. */
    readonly minuteOfDay = 5,
    /** Balances per database transaction. */
    readonly batchSize = DEFAULT_SNAPSHOT_BATCH,
  ) {}
}
