/**
 * Every configuration key of reference §10.2 that Neraca reads: its path in blnk.json, its
 * environment variable, its type and default. Environment wins over the file.
 */
export type KeyType = 'string' | 'int' | 'bool' | 'duration' | 'map' | 'port' | 'list';

export interface KeySpec {
  path: string;
  env?: string;
  type: KeyType;
  default?: unknown;
  min?: number;
}

export const CONFIG_KEYS: KeySpec[] = [
  { path: 'project_name', env: 'BLNK_PROJECT_NAME', type: 'string', default: 'Neraca' },
  { path: 'server.port', env: 'BLNK_SERVER_PORT', type: 'port', default: 5001 },
  // Empty: 127.0.0.1 in embedded mode (one machine, a generated key), 0.0.0.0 with PostgreSQL.
  { path: 'server.host', env: 'NERACA_HOST', type: 'string', default: '' },
  { path: 'server.secure', env: 'BLNK_SERVER_SECURE', type: 'bool', default: true },
  { path: 'server.secret_key', env: 'BLNK_SERVER_SECRET_KEY', type: 'string', default: '' },
  // Browser origins (besides the API's own) whose pages may write (docs/security.md, "The edge").
  { path: 'server.allowed_origins', env: 'NERACA_ALLOWED_ORIGINS', type: 'list', default: [] },
  // How long SIGTERM/SIGINT waits for in-flight requests, the current drain batch and the pools
  // to close before the process exits anyway (docs/operations.md, "Graceful shutdown").
  {
    path: 'server.shutdown_grace_period',
    env: 'NERACA_SHUTDOWN_GRACE_PERIOD',
    type: 'duration',
    default: 10000,
  },
  {
    path: 'server.max_request_body_size_mb',
    env: 'BLNK_SERVER_MAX_REQUEST_BODY_SIZE_MB',
    type: 'int',
    default: 5,
    min: 1,
  },
  {
    path: 'server.max_upload_size_mb',
    env: 'BLNK_SERVER_MAX_UPLOAD_SIZE_MB',
    type: 'int',
    default: 256,
    min: 1,
  },
  // Hosts a statement may be downloaded from (exact names; empty = none) and the fetch timeout.
  {
    path: 'server.upload_whitelist',
    env: 'BLNK_UPLOAD_DOMAIN_WHITELIST',
    type: 'list',
    default: [],
  },
  {
    path: 'server.upload_url_timeout_sec',
    env: 'BLNK_UPLOAD_URL_TIMEOUT_SEC',
    type: 'int',
    default: 30,
    min: 1,
  },
  // Rows per batch of a run: each batch commits with its checkpoint (docs/reconciliation.md).
  {
    path: 'reconciliation.progress_interval',
    env: 'BLNK_RECONCILIATION_PROGRESS_INTERVAL',
    type: 'int',
    default: 1000,
    min: 1,
  },
  // Connections a run's batch searches on at once (docs/reconciliation.md, Performance).
  {
    path: 'reconciliation.search_connections',
    env: 'NERACA_RECONCILIATION_SEARCH_CONNECTIONS',
    type: 'int',
    default: 2,
    min: 1,
  },
  {
    path: 'reconciliation.max_retries',
    env: 'BLNK_RECONCILIATION_MAX_RETRIES',
    type: 'int',
    default: 3,
    min: 1,
  },
  {
    path: 'server.metrics_bearer_token',
    env: 'BLNK_METRICS_BEARER_TOKEN',
    type: 'string',
    default: '',
  },
  // Neraca's: where `neraca workers` serves GET /metrics (unset = nowhere; 0 = any free port).
  { path: 'server.metrics_port', env: 'NERACA_METRICS_PORT', type: 'port' },
  { path: 'data_source.dns', env: 'BLNK_DATA_SOURCE_DNS', type: 'string', default: '' },
  {
    path: 'data_source.max_open_conns',
    env: 'BLNK_DATABASE_MAX_OPEN_CONNS',
    type: 'int',
    default: 20,
    min: 1,
  },
  // Neraca's: frequent statements as named prepared statements, each re-prepared after 10 s (on;
  // they stop by themselves behind a pooler in transaction mode; never used in embedded mode).
  {
    path: 'data_source.prepared_statements',
    env: 'NERACA_PREPARED_STATEMENTS',
    type: 'bool',
    default: true,
  },
  { path: 'redis.dns', env: 'BLNK_REDIS_DNS', type: 'string', default: '' },
  { path: 'typesense.dns', env: 'BLNK_TYPESENSE_DNS', type: 'string', default: '' },
  { path: 'type_sense_key', env: 'BLNK_TYPESENSE_KEY', type: 'string', default: 'blnk-api-key' },
  { path: 'tokenization_secret', env: 'BLNK_TOKENIZATION_SECRET', type: 'string', default: '' },
  // Retired tokenization secrets: they still decrypt, never encrypt (docs/security.md).
  {
    path: 'tokenization_old_keys',
    env: 'NERACA_TOKENIZATION_OLD_KEYS',
    type: 'list',
    default: [],
  },
  { path: 'data_dir', env: 'NERACA_DATA_DIR', type: 'string', default: '.neraca' },
  { path: 'notification.webhook.url', env: 'BLNK_WEBHOOK_URL', type: 'string', default: '' },
  { path: 'notification.webhook.headers', env: 'BLNK_WEBHOOK_HEADERS', type: 'map', default: {} },
  // Neraca's: delivery of the outbox (docs/webhooks.md).
  {
    path: 'notification.webhook.max_attempts',
    env: 'NERACA_WEBHOOK_MAX_ATTEMPTS',
    type: 'int',
    default: 25,
    min: 1,
  },
  {
    path: 'notification.webhook.timeout',
    env: 'NERACA_WEBHOOK_TIMEOUT',
    type: 'duration',
    default: 30000,
  },
  {
    path: 'notification.webhook.first_retry',
    env: 'NERACA_WEBHOOK_FIRST_RETRY',
    type: 'duration',
    default: 5000,
  },
  {
    path: 'notification.webhook.retention',
    env: 'NERACA_WEBHOOK_RETENTION',
    type: 'duration',
    default: 604800000,
  },
  {
    path: 'notification.slack.webhook_url',
    env: 'BLNK_SLACK_WEBHOOK_URL',
    type: 'string',
    default: '',
  },
  // Neraca's: how error notices are posted to Slack (docs/operations.md).
  {
    path: 'notification.slack.timeout',
    env: 'NERACA_SLACK_TIMEOUT',
    type: 'duration',
    default: 5000,
  },
  {
    path: 'notification.slack.rate_limit_window',
    env: 'NERACA_SLACK_RATE_LIMIT_WINDOW',
    type: 'duration',
    default: 60000,
  },
  { path: 'rate_limit.requests_per_second', env: 'BLNK_RATE_LIMIT_RPS', type: 'int', min: 1 },
  { path: 'rate_limit.burst', env: 'BLNK_RATE_LIMIT_BURST', type: 'int', min: 1 },
  {
    path: 'rate_limit.cleanup_interval_sec',
    env: 'BLNK_RATE_LIMIT_CLEANUP_INTERVAL_SEC',
    type: 'int',
    default: 10800,
    min: 1,
  },
  {
    path: 'rate_limit.redis_prefix',
    env: 'NERACA_RATE_LIMIT_PREFIX',
    type: 'string',
    default: 'neraca',
  },
  {
    path: 'transaction.batch_size',
    env: 'BLNK_TRANSACTION_BATCH_SIZE',
    type: 'int',
    default: 1000,
    min: 1,
  },
  {
    path: 'transaction.lock_duration',
    env: 'BLNK_TRANSACTION_LOCK_DURATION',
    type: 'duration',
    default: 300000,
  },
  {
    path: 'transaction.lock_wait_timeout',
    env: 'BLNK_TRANSACTION_LOCK_WAIT_TIMEOUT',
    type: 'duration',
    default: 3000,
  },
  {
    path: 'transaction.enable_queued_checks',
    env: 'BLNK_TRANSACTION_ENABLE_QUEUED_CHECKS',
    type: 'bool',
    default: false,
  },
  // The hash chain (reference §5.14): on by default in Neraca, off in Blnk (docs/compatibility.md).
  {
    path: 'transaction.hash_chain.enabled',
    env: 'BLNK_TRANSACTION_HASHCHAIN_ENABLED',
    type: 'bool',
    default: true,
  },
  {
    path: 'transaction.hash_chain.poll_interval',
    env: 'BLNK_TRANSACTION_HASHCHAIN_POLL_INTERVAL',
    type: 'duration',
    default: 5000,
  },
  {
    path: 'transaction.hash_chain.batch_size',
    env: 'BLNK_TRANSACTION_HASHCHAIN_BATCH_SIZE',
    type: 'int',
    default: 1000,
    min: 1,
  },
  // Not needed for correctness here (docs/architecture.md, "The hash chain"): 0 by default.
  {
    path: 'transaction.hash_chain.trailing_delay',
    env: 'BLNK_TRANSACTION_HASHCHAIN_TRAILING_DELAY',
    type: 'duration',
    default: 0,
  },
  {
    path: 'queue.number_of_queues',
    env: 'BLNK_QUEUE_NUMBER_OF_QUEUES',
    type: 'int',
    default: 20,
    min: 1,
  },
  {
    path: 'queue.max_retry_attempts',
    env: 'BLNK_QUEUE_MAX_RETRY_ATTEMPTS',
    type: 'int',
    default: 5,
    min: 1,
  },
  {
    path: 'queue.transaction_worker_concurrency',
    env: 'BLNK_QUEUE_TRANSACTION_WORKER_CONCURRENCY',
    type: 'int',
    default: 4,
    min: 1,
  },
  {
    path: 'queue.enable_backpressure',
    env: 'BLNK_QUEUE_ENABLE_BACKPRESSURE',
    type: 'bool',
    default: true,
  },
  {
    path: 'queue.backpressure_max_pending_tasks',
    env: 'BLNK_QUEUE_BACKPRESSURE_MAX_PENDING_TASKS',
    type: 'int',
    default: 100000,
    min: 0,
  },
  { path: 'queue.prefix', env: 'NERACA_QUEUE_PREFIX', type: 'string', default: 'neraca' },
  {
    path: 'queue.sweep_interval',
    env: 'NERACA_QUEUE_SWEEP_INTERVAL',
    type: 'duration',
    default: 2000,
  },
  // Neraca's: how long an Idempotency-Key and its answer are kept (docs/operations.md).
  {
    path: 'idempotency.retention',
    env: 'NERACA_IDEMPOTENCY_RETENTION',
    type: 'duration',
    default: 86400000,
    // Shorter, a retry of a slow request could find its key forgotten and run again.
    min: 3600000,
  },
  { path: 'enable_observability', env: 'BLNK_ENABLE_OBSERVABILITY', type: 'bool', default: false },
  // Neraca's (Blnk has no log keys): checked by logSettingsFrom (src/app/logging/log-settings.ts).
  { path: 'log.level', env: 'NERACA_LOG_LEVEL', type: 'string', default: 'info' },
  { path: 'log.format', env: 'NERACA_LOG_FORMAT', type: 'string', default: 'auto' },
  { path: 'backup_dir', env: 'BLNK_BACKUP_DIR', type: 'string', default: '' },
  { path: 's3_endpoint', env: 'BLNK_S3_ENDPOINT', type: 'string', default: '' },
  { path: 's3_bucket_name', env: 'BLNK_S3_BUCKET_NAME', type: 'string', default: '' },
  { path: 's3_region', env: 'BLNK_S3_REGION', type: 'string', default: '' },
  { path: 'aws_access_key_id', env: 'BLNK_AWS_ACCESS_KEY_ID', type: 'string', default: '' },
  {
    path: 'aws_secret_access_key',
    env: 'BLNK_AWS_SECRET_ACCESS_KEY',
    type: 'string',
    default: '',
  },
  // Neraca's: the daily balance snapshot run, which Blnk leaves to a cron job (docs/operations.md).
  {
    path: 'balance_snapshots.enabled',
    env: 'NERACA_BALANCE_SNAPSHOTS_ENABLED',
    type: 'bool',
    default: true,
  },
  // HH:MM in UTC; checked by snapshotScheduleFrom (src/app/config/snapshot-schedule.ts).
  {
    path: 'balance_snapshots.time_of_day',
    env: 'NERACA_BALANCE_SNAPSHOTS_TIME',
    type: 'string',
    default: '00:05',
  },
  {
    path: 'balance_snapshots.batch_size',
    env: 'NERACA_BALANCE_SNAPSHOTS_BATCH_SIZE',
    type: 'int',
    default: 1000,
    min: 1,
  },
];
