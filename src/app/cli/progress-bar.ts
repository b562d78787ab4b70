import { Presets, SingleBar } from 'cli-progress';

/** A cli-progress bar on stderr; whole lines (one a second) when stderr is not a terminal. */
export function progressBar(format: string): SingleBar {
  return new SingleBar(
    {
      format,
      stream: process.stderr,
      noTTYOutput: !process.stderr.isTTY,
      notTTYSchedule: 1000,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
}
