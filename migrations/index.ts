import { InitialSchema1732406400000 } from './1732406400000-initial-schema';
import { QueuedWork1732492800000 } from './1732492800000-queued-work';
import { Identities1732579200000 } from './1732579200000-identities';
import { ApiKeys1732665600000 } from './1732665600000-api-keys';
import { EngineColumns1732838400000 } from './1732838400000-engine-columns';
import { BlnkSchema1732924800000 } from './1732924800000-blnk-schema';
import { ApiKeyLineage1733011200000 } from './1733011200000-api-key-lineage';
import { RandomTokenVisible1733097600000 } from './1733097600000-random-token-visible';
import { EventOutbox1733270400000 } from './1733270400000-event-outbox';
import { BalanceMonitors1733360000000 } from './1733360000000-balance-monitors';
import { Hooks1733400000000 } from './1733400000000-hooks';
import { BalanceChanges1733450000000 } from './1733450000000-balance-changes';
import { IdempotencyKeys1733500000000 } from './1733500000000-idempotency-keys';
import { HashChain1733550000000 } from './1733550000000-hash-chain';
import { BalanceSnapshots1733600000000 } from './1733600000000-balance-snapshots';
import { FundLineage1733650000000 } from './1733650000000-fund-lineage';
import { BulkBatches1733700000000 } from './1733700000000-bulk-batches';
import { Search1733750000000 } from './1733750000000-search';
import { Reconciliation1733800000000 } from './1733800000000-reconciliation';
import { Accounts1733850000000 } from './1733850000000-accounts';
import { SearchReconciliations1733900000000 } from './1733900000000-search-reconciliations';
import { ReconciliationMatching1733950000000 } from './1733950000000-reconciliation-matching';
import { QueuedTraceContext1734000000000 } from './1734000000000-queued-trace-context';
import { ReconciliationStagingUnlogged1734100000000 } from './1734100000000-reconciliation-staging-unlogged';
import { ProbesByIndex1734200000000 } from './1734200000000-probes-by-index';

/** Every migration, oldest first. Listed explicitly so source (tests) and dist run the same set. */
export const MIGRATIONS = [
  InitialSchema1732406400000,
  QueuedWork1732492800000,
  Identities1732579200000,
  ApiKeys1732665600000,
  EngineColumns1732838400000,
  BlnkSchema1732924800000,
  ApiKeyLineage1733011200000,
  RandomTokenVisible1733097600000,
  EventOutbox1733270400000,
  BalanceMonitors1733360000000,
  Hooks1733400000000,
  BalanceChanges1733450000000,
  IdempotencyKeys1733500000000,
  HashChain1733550000000,
  BalanceSnapshots1733600000000,
  FundLineage1733650000000,
  BulkBatches1733700000000,
  Search1733750000000,
  Reconciliation1733800000000,
  Accounts1733850000000,
  SearchReconciliations1733900000000,
  ReconciliationMatching1733950000000,
  QueuedTraceContext1734000000000,
  ReconciliationStagingUnlogged1734100000000,
  ProbesByIndex1734200000000,
];
