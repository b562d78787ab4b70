import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BIG_INT, META_DATA } from '@libs/http/api-types';
import { DistributionDto } from './transaction.dto';

/** Response shapes of the transaction routes, for the OpenAPI document. */
export class TransactionView {
  @ApiProperty({ example: 'txn_0f8c9e2a-1111-4222-8333-444455556666' }) transaction_id!: string;
  @ApiProperty({ description: '"" when none' }) parent_transaction!: string;
  @ApiPropertyOptional() source?: string;
  @ApiPropertyOptional() destination?: string;
  @ApiPropertyOptional({ type: [DistributionDto] }) sources?: DistributionDto[];
  @ApiPropertyOptional({ type: [DistributionDto] }) destinations?: DistributionDto[];
  @ApiProperty() reference!: string;
  @ApiProperty({ type: 'number', description: 'Major units, written digit for digit.' })
  amount!: unknown;
  @ApiPropertyOptional({ description: 'Exact decimal, when derived from precise_amount.' })
  amount_string?: string;
  @ApiProperty(BIG_INT) precise_amount!: bigint;
  @ApiProperty(BIG_INT) precision!: bigint;
  @ApiProperty({ type: 'number' }) overdraft_limit!: unknown;
  @ApiProperty() currency!: string;
  @ApiPropertyOptional() description?: string;
  @ApiProperty({ enum: ['QUEUED', 'SCHEDULED', 'APPLIED', 'INFLIGHT', 'VOID', 'REJECTED'] })
  status!: string;
  @ApiProperty() hash!: string;
  @ApiPropertyOptional({
    ...BIG_INT,
    description: 'Position in the transaction hash chain; absent until the sealer reaches the row.',
  })
  chain_seq?: bigint;
  @ApiPropertyOptional({
    description: "The row's link in the hash chain (hex SHA-256); absent until sealed.",
  })
  chain_hash?: string;
  @ApiProperty() allow_overdraft!: boolean;
  @ApiProperty() inflight!: boolean;
  @ApiProperty() skip_queue!: boolean;
  @ApiProperty() atomic!: boolean;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiPropertyOptional({ format: 'date-time' }) effective_date?: string;
  @ApiProperty({ format: 'date-time' }) scheduled_for!: string;
  @ApiProperty({ format: 'date-time' }) inflight_expiry_date!: string;
  @ApiProperty({ format: 'date-time' }) inflight_commit_date!: string;
  @ApiPropertyOptional(META_DATA) meta_data?: Record<string, unknown>;
  @ApiPropertyOptional({
    description: 'A queued commit or void: true (the hold as it is now; a worker settles it).',
  })
  queued?: boolean;
}

export class BulkResultView {
  @ApiProperty({ example: 'bulk_0f8c9e2a-1111-4222-8333-444455556666' }) batch_id!: string;
  @ApiProperty({ enum: ['applied', 'inflight'] }) status!: string;
  @ApiProperty() transaction_count!: number;
}

/** 202 of POST /transactions/bulk with run_async (reference §2.5.2). */
export class BulkAcceptedView {
  @ApiProperty({ example: 'Bulk transaction processing started' }) message!: string;
  @ApiProperty({ example: 'bulk_0f8c9e2a-1111-4222-8333-444455556666' }) batch_id!: string;
  @ApiProperty({ enum: ['processing'] }) status!: string;
}

export class RejectionView {
  @ApiProperty({ example: 'TXN_INSUFFICIENT_FUNDS' }) code!: string;
  @ApiProperty({ enum: ['insufficient_funds', 'overdraft_limit', 'lock_contention', 'other'] })
  reason!: string;
  @ApiProperty() message!: string;
}

export class PreviewLegView {
  @ApiProperty() identifier!: string;
  @ApiProperty({ enum: ['source', 'destination'] }) role!: string;
  @ApiProperty({ description: 'Minor units as a string (previews use strings).' })
  precise_amount!: string;
  @ApiProperty({ type: 'number' }) amount!: unknown;
}

/** POST /transactions/recover. */
export class RecoverView {
  @ApiProperty({ description: 'Queued items whose lanes were signalled again.' })
  recovered!: number;
  @ApiProperty({ example: '2m0s', description: 'Go duration actually used.' }) threshold!: string;
}

export class BalancePreviewView {
  @ApiProperty() balance_id!: string;
  @ApiProperty({ enum: ['source', 'destination'] }) role!: string;
  @ApiProperty() currency!: string;
  @ApiProperty({ description: 'An @indicator balance that would be created.' }) virtual!: boolean;
  @ApiProperty() current_balance!: string;
  @ApiProperty() current_available!: string;
  @ApiProperty() current_credit_balance!: string;
  @ApiProperty() current_debit_balance!: string;
  @ApiProperty() current_inflight_debit_balance!: string;
  @ApiProperty() current_inflight_credit_balance!: string;
  @ApiProperty() resulting_balance!: string;
  @ApiProperty() resulting_available!: string;
  @ApiProperty() resulting_credit_balance!: string;
  @ApiProperty() resulting_debit_balance!: string;
  @ApiProperty() resulting_inflight_debit_balance!: string;
  @ApiProperty() resulting_inflight_credit_balance!: string;
}

export class TransactionPreviewView {
  @ApiProperty({ example: true }) dry_run!: boolean;
  @ApiProperty() would_apply!: boolean;
  @ApiPropertyOptional({ type: RejectionView }) rejection?: RejectionView;
  @ApiPropertyOptional({ enum: ['commit', 'void'] }) operation?: string;
  @ApiPropertyOptional() status?: string;
  @ApiProperty() reference!: string;
  @ApiProperty() currency!: string;
  @ApiProperty({ type: 'number' }) amount!: unknown;
  @ApiProperty({ description: 'Minor units as a string (previews use strings).' })
  precise_amount!: string;
  @ApiProperty(BIG_INT) precision!: bigint;
  @ApiProperty({ type: [BalancePreviewView] }) balances!: BalancePreviewView[];
  @ApiPropertyOptional({ type: [PreviewLegView] }) legs?: PreviewLegView[];
  @ApiProperty({ type: [String] }) notes!: string[];
}

export class BulkPreviewView {
  @ApiProperty() dry_run!: boolean;
  @ApiProperty() would_apply!: boolean;
  @ApiProperty() cumulative!: boolean;
  @ApiProperty() atomic!: boolean;
  @ApiProperty({ type: [TransactionPreviewView] }) results!: TransactionPreviewView[];
  @ApiProperty({ type: [String] }) notes!: string[];
}

export class BulkInflightItemView {
  @ApiProperty() transaction_id!: string;
  @ApiProperty({ enum: ['queued', 'succeeded', 'failed'] }) status!: string;
  @ApiPropertyOptional() code?: string;
  @ApiPropertyOptional() message?: string;
}

export class BulkInflightResultView {
  @ApiProperty() succeeded!: number;
  @ApiProperty() failed!: number;
  @ApiProperty({ type: [BulkInflightItemView] }) results!: BulkInflightItemView[];
}

/** The dry run of the bulk inflight routes. */
export class BulkInflightPreviewView {
  @ApiProperty({ example: true }) dry_run!: boolean;
  @ApiProperty({ type: [TransactionPreviewView] }) results!: TransactionPreviewView[];
}
