import { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '@libs/core/domain-error';
import type { StatementFetcher } from '../../application/ports/statement-fetcher';
import { ReconciliationSettings } from '../../application/reconciliation-settings';
import type { UploadStatementUseCase } from '../../application/upload-statement.use-case';
import { UploadIntake } from './upload-intake';

/*
 * Who is blamed when a multipart upload fails. The form's own failures (busboy: no boundary, a
 * body cut short) are the client's, a 400; the server's (the database while rows are staged) must
 * stay the server's, never reported to the client as a malformed body (e2e tests cover the
 * client's side through real HTTP; this covers the server's, which HTTP cannot provoke).
 */

type Part = { type: 'file'; fieldname: string; filename: string; file: Readable };

function intake(consume: (file: Readable) => Promise<void>) {
  const session = {
    consume: jest.fn((file: Readable) => consume(file)),
    abort: jest.fn(async () => undefined),
    finish: jest.fn(async () => ({ uploadId: 'upload_1', recordCount: 1, source: 's' })),
  };
  const uploads = { open: async () => session } as unknown as UploadStatementUseCase;
  const subject = new UploadIntake(uploads, {} as StatementFetcher, new ReconciliationSettings());
  return { subject, session };
}

/** A multipart request whose form yields `parts`, then fails with `end` if given. */
function request(parts: Part[], end?: Error): FastifyRequest {
  return {
    isMultipart: () => true,
    parts: () => ({
      async *[Symbol.asyncIterator]() {
        yield* parts;
        if (end) throw end;
      },
    }),
  } as unknown as FastifyRequest;
}

const filePart = (file: Readable): Part => ({
  type: 'file',
  fieldname: 'file',
  filename: 's.csv',
  file,
});

/** What `take` threw, as code and reason (or the error itself when it is not a DomainError). */
async function failure(p: Promise<unknown>): Promise<unknown> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (e instanceof DomainError) {
    return { code: e.code, reason: (e.details as { reason?: string } | undefined)?.reason };
  }
  return e;
}

describe('UploadIntake: whose fault a failed multipart upload is', () => {
  it('a database failure while staging is rethrown as it is, not blamed on the body', async () => {
    const down = new Error('Connection terminated unexpectedly');
    const { subject, session } = intake(async (file) => {
      file.resume();
      throw down;
    });
    const file = Readable.from(['id,amount\n1,1\n']);
    expect(await failure(subject.take(request([filePart(file)])))).toBe(down);
    expect(session.abort).toHaveBeenCalledTimes(1);
  });

  it('a file the parser failed before handing it over is the body at fault (400)', async () => {
    const cut = new Error('Unexpected end of multipart data');
    const file = new Readable({ read() {} });
    file.destroy(cut); // errored already: no 'error' event reaches a listener added later
    const { subject, session } = intake(async () => {
      throw cut;
    });
    expect(await failure(subject.take(request([filePart(file)])))).toEqual({
      code: 'RECON_UPLOAD_FAILED',
      reason: 'the multipart body is malformed: Unexpected end of multipart data',
    });
    expect(session.abort).toHaveBeenCalledTimes(1);
  });

  it('the form failing between parts is the body at fault (400)', async () => {
    const { subject } = intake(async () => undefined);
    const noBoundary = new Error('Multipart: Boundary not found');
    expect(await failure(subject.take(request([], noBoundary)))).toEqual({
      code: 'RECON_UPLOAD_FAILED',
      reason: 'the multipart body is malformed: Multipart: Boundary not found',
    });
  });

  it("a refusal of the file's content keeps its own code", async () => {
    const refused = new DomainError('RECON_UPLOAD_FAILED', 'the file was refused');
    const { subject } = intake(async (file) => {
      file.resume();
      throw refused;
    });
    const file = Readable.from(['x']);
    expect(await subject.take(request([filePart(file)])).catch((e: unknown) => e)).toBe(refused);
  });
});
