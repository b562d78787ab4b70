/** How every place that fails to send a lane wake-up says so (the sweep re-drives the lane). */
export function signalFailed(lane: number, e: unknown): string {
  return `could not signal lane ${lane}; the sweep will pick the work up: ${
    e instanceof Error ? e.message : String(e)
  }`;
}
