import { Readable } from 'node:stream';
import { DomainError } from '@libs/core/domain-error';
import type { StatementRow } from '../domain/statement';
import { StatementWriter, StoredUpload } from './ports/statement.store';
import { UploadSession } from './upload-statement.use-case';

/** A writer whose staged batches land when the test says so, logging what reaches it. */
class GatedWriter extends StatementWriter {
  readonly log: string[] = [];
  readonly gates: { rows: number; land: () => void; fail: (e: Error) => void }[] = [];
  inFlight = 0;
  maxInFlight = 0;

  stage(rows: StatementRow[]): Promise<void> {
    this.log.push(`stage ${rows[0].row}-${rows[rows.length - 1].row}`);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise((resolve, reject) =>
      this.gates.push({
        rows: rows.length,
        land: () => {
          this.inFlight--;
          this.log.push(`landed ${rows[0].row}`);
          resolve();
        },
        fail: (e) => {
          this.inFlight--;
          reject(e);
        },
      }),
    );
  }

  async finish(uploadId: string, source: string): Promise<StoredUpload> {
    this.log.push(`finish with ${this.inFlight} in flight`);
    return { uploadId, source, recordCount: 0, existing: false };
  }

  async abort(): Promise<void> {
    this.log.push(`abort with ${this.inFlight} in flight`);
  }
}

const HEADER = 'id,amount,currency,reference,description,date\n';
const line = (i: number, amount = '1.00') => `x-${i},${amount},USD,r,d,2024-01-01T00:00:00Z\n`;
const file = (n: number, bad?: number) =>
  Readable.from([
    HEADER +
      Array.from({ length: n }, (_, k) => line(k + 1, k + 1 === bad ? 'ten' : '1.00')).join(''),
  ]);
const tick = () => new Promise((r) => setImmediate(r));

/** Lands every batch as soon as it is staged, until stopped. */
function autoLand(w: GatedWriter): () => void {
  let on = true;
  const loop = async () => {
    while (on) {
      w.gates.splice(0).forEach((g) => g.land());
      await tick();
    }
  };
  void loop();
  return () => (on = false);
}

describe('UploadSession staging', () => {
  it('reads the next batch while one is staged, never two at once, all landed before finish', async () => {
    const w = new GatedWriter();
    const s = new UploadSession(w, 'upload_1');
    const stop = autoLand(w);
    await s.consume(file(3500));
    await s.finish('bank');
    stop();
    expect(w.maxInFlight).toBe(1);
    expect(w.log).toEqual([
      'stage 1-1000',
      'landed 1',
      'stage 1001-2000',
      'landed 1001',
      'stage 2001-3000',
      'landed 2001',
      'stage 3001-3500',
      'landed 3001',
      'finish with 0 in flight',
    ]);
  });

  it('a refused file drops its staged rows only after the batch in flight has landed', async () => {
    const w = new GatedWriter();
    const s = new UploadSession(w, 'upload_2');
    // Rows 1-1000 are a batch sent when row 1000 is read; row 1001 is bad, so the file ends
    // with that batch still on its way.
    await s.consume(file(1001, 1001));
    expect(w.gates).toHaveLength(1);
    const refused = s.finish('bank').catch((e: unknown) => e);
    await tick();
    expect(w.log).toEqual(['stage 1-1000']);
    w.gates[0].land();
    const e = await refused;
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).code).toBe('RECON_UPLOAD_FAILED');
    expect(w.log).toEqual(['stage 1-1000', 'landed 1', 'abort with 0 in flight']);
  });

  it('an upload aborted mid-file (a body cut off) drops its rows after the batch in flight', async () => {
    const w = new GatedWriter();
    const s = new UploadSession(w, 'upload_3');
    await s.consume(file(1500));
    const aborted = s.abort();
    await tick();
    expect(w.log).toEqual(['stage 1-1000']);
    w.gates[0].land();
    await aborted;
    expect(w.log).toEqual(['stage 1-1000', 'landed 1', 'abort with 0 in flight']);
  });

  it('a batch that fails to stage fails the upload, which is aborted, not stored', async () => {
    const w = new GatedWriter();
    const s = new UploadSession(w, 'upload_4');
    await s.consume(file(1500));
    w.gates[0].fail(new Error('connection lost'));
    await expect(s.finish('bank')).rejects.toThrow('connection lost');
    expect(w.log).toEqual(['stage 1-1000', 'abort with 0 in flight']);
  });

  it('a batch that fails while the file is read stops the read with its error', async () => {
    const w = new GatedWriter();
    const s = new UploadSession(w, 'upload_5');
    const reading = s.consume(file(2500)).catch((e: unknown) => e);
    while (!w.gates.length) await tick();
    w.gates[0].fail(new Error('disk full'));
    expect(await reading).toMatchObject({ message: 'disk full' });
    await s.abort();
    expect(w.log).toEqual(['stage 1-1000', 'abort with 0 in flight']);
  });
});
