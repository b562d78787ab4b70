import type { AttemptResult } from '../../domain/hook-answer';

export interface HookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The attempt's deadline, connection to last byte of the answer. */
  timeoutMs: number;
  /** The most of the answer's body that is read; a longer one is `tooLarge`. */
  maxBodyBytes: number;
}

/** Port: one POST to a hook. Never throws: every failure is an AttemptResult. */
export abstract class HookTransport {
  abstract post(request: HookRequest): Promise<AttemptResult>;
}

/** Port: waiting between attempts, and the jitter of the wait (fast and fixed in tests). */
export abstract class HookTimer {
  abstract sleep(ms: number): Promise<void>;
  /** A number in [0, 1). */
  abstract random(): number;
}
