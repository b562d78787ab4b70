import { rfc3339 } from '@libs/http/time';
import type { Hook } from '../../domain/hook';
import type { HookView } from './hook.dto';

export function presentHook(h: Hook): HookView {
  return {
    id: h.id,
    name: h.name,
    url: h.url,
    type: h.type,
    active: h.active,
    timeout: h.timeout,
    retry_count: h.retryCount,
    blocking: h.blocking,
    fail_open: h.failOpen,
    created_at: rfc3339(h.createdAt),
    last_run: rfc3339(h.lastRun),
    last_success: h.lastSuccess,
  };
}
