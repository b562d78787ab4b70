import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RequestClaims } from '@libs/core/request-claim';
import { Tx, UnitOfWork } from '@libs/core/unit-of-work';
import { isRefusedPlan } from './prepared-statements';
import { asTx, sqlState } from './tx';

// Deadlock and serialization failures are safe to retry: PostgreSQL rolled the whole attempt back.
// So is a named statement refused (a plan under a migration, a session that lost it): it now
// goes unnamed.
const TRANSIENT = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 5;

@Injectable()
export class TypeOrmUnitOfWork extends UnitOfWork {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        // READ COMMITTED is PostgreSQL's default: naming it would cost a SET TRANSACTION round
        // trip on every transaction.
        const claim = RequestClaims.pending();
        if (!claim) return await this.dataSource.transaction((manager) => work(asTx(manager)));
        // A request with an Idempotency-Key: the key is taken first and recorded last, in the
        // transaction of the effect itself (libs/core/request-claim.ts).
        let recorded = false;
        const result = await this.dataSource.transaction(async (manager) => {
          const tx = asTx(manager);
          await claim.open(tx);
          const value = await work(tx);
          recorded = await claim.close(tx);
          return value;
        });
        if (recorded) claim.committed();
        return result;
      } catch (err) {
        const state = sqlState(err);
        const transient = (state !== undefined && TRANSIENT.has(state)) || isRefusedPlan(err);
        if (!transient || attempt >= MAX_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 10 * attempt)));
      }
    }
  }
}
