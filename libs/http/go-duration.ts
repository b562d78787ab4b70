import { DomainError } from '@libs/core/domain-error';

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60000,
  h: 3600000,
};
const DURATION_RE = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;

/** A Go duration string (`90s`, `5m`, `1h30m`) in milliseconds. @throws GEN_VALIDATION_ERROR */
export function parseGoDuration(text: string): number {
  if (!DURATION_RE.test(text)) {
    throw new DomainError(
      'GEN_VALIDATION_ERROR',
      `invalid duration "${text}" (examples: 90s, 5m, 1h30m)`,
    );
  }
  let ms = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g))
    ms += Number(m[1]) * UNIT_MS[m[2]];
  return ms;
}

/** Milliseconds as Go prints a duration: `2m0s`, `1h30m0s`, `45s`. */
export function formatGoDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}
