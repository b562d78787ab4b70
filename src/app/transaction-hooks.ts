import { Global, Module } from '@nestjs/common';
import { HookCallerService } from '../modules/hook/application/hook-caller.service';
import { HookCoreModule } from '../modules/hook/hook.module';
import {
  HookVerdict,
  TransactionHooks,
} from '../modules/transaction/application/ports/transaction-hooks';
import type { Transaction } from '../modules/transaction/domain/transaction';
import { presentTransaction } from '../modules/transaction/interface/http/transaction.presenter';

/** The transaction pipeline's hooks port, answered by the hook module with the API's JSON. */
export class HookedTransactions extends TransactionHooks {
  constructor(private readonly caller: HookCallerService) {
    super();
  }

  enabled(): Promise<boolean> {
    return this.caller.hasPreHooks();
  }

  async approve(proposal: Transaction): Promise<HookVerdict> {
    const v = await this.caller.runPreHooks(presentTransaction(proposal));
    return { approved: v.approved, message: v.message };
  }
}

/**
 * Global, because the transaction module cannot import the hook module's internals and the
 * hook module knows nothing of transactions: the composition root joins them.
 */
@Global()
@Module({
  imports: [HookCoreModule],
  providers: [
    {
      provide: TransactionHooks,
      useFactory: (caller: HookCallerService) => new HookedTransactions(caller),
      inject: [HookCallerService],
    },
  ],
  exports: [TransactionHooks],
})
export class TransactionHooksModule {}
