import type { Hook, HookType } from '../../domain/hook';

export interface HookRow {
  id: string;
  name: string;
  url: string;
  type: HookType;
  active: boolean;
  timeout_seconds: number;
  retry_count: number;
  blocking: boolean;
  fail_open: boolean;
  created_at: Date;
  last_run: Date | null;
  last_success: boolean;
}

export const HOOK_COLUMNS =
  'id, name, url, type, active, timeout_seconds, retry_count, blocking, fail_open, created_at, last_run, last_success';

export function toHook(row: HookRow): Hook {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    type: row.type,
    active: row.active,
    timeout: row.timeout_seconds,
    retryCount: row.retry_count,
    blocking: row.blocking,
    failOpen: row.fail_open,
    createdAt: row.created_at,
    lastRun: row.last_run,
    lastSuccess: row.last_success,
  };
}
