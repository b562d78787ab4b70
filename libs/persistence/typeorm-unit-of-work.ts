import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Tx, UnitOfWork } from '@libs/core/unit-of-work';
import { asTx, sqlState } from './tx';

// Deadlock and serialization failures are safe to retry: PostgreSQL rolled the whole attempt back.
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
        return await this.dataSource.transaction((manager) => work(asTx(manager)));
      } catch (err) {
        const state = sqlState(err);
        if (!state || !TRANSIENT.has(state) || attempt >= MAX_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 10 * attempt)));
      }
    }
  }
}
