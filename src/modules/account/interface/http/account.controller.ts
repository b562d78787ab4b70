import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { randomInt } from 'node:crypto';
import { FilterRequestDto } from '@libs/http/filter-request.dto';
import { NoIdempotencyKey } from '@libs/http/idempotency-route';
import { parseAllOrFilteredQuery, parseFilterBody } from '@libs/http/list-query.parse';
import { listBody } from '@libs/http/list-response';
import { ApiErrors, ApiList, ApiSummary, BODY_ERRORS } from '@libs/http/openapi';
import { BlnkValidationPipe } from '@libs/http/validation.pipe';
import { requireEmbedScope } from '../../../auth/interface/http/embed-scope';
import { BalanceUseCases } from '../../../balance/application/balance.use-cases';
import { presentBalance } from '../../../balance/interface/http/balance.presenter';
import { IdentityUseCases } from '../../../identity/application/identity.use-cases';
import { presentIdentity } from '../../../identity/interface/http/identity.presenter';
import { LedgerUseCases } from '../../../ledger/application/ledger.use-cases';
import { presentLedger } from '../../../ledger/interface/http/ledger.presenter';
import { AccountUseCases } from '../../application/account.use-cases';
import { accountNumber } from '../../domain/account';
import { AccountView, CreateAccountDto, MockedAccountView } from './account.dto';
import { presentAccount } from './account.presenter';

const INCLUDES = ['balance', 'identity', 'ledger'] as const;

/** Accounts (reference §2.7), Blnk's legacy bank-account wrapper around a balance. */
@ApiTags('accounts')
@Controller('accounts')
export class AccountController {
  constructor(
    private readonly accounts: AccountUseCases,
    private readonly balances: BalanceUseCases,
    private readonly identities: IdentityUseCases,
    private readonly ledgers: LedgerUseCases,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiSummary('createAccount', 'Create an account around an existing balance')
  @ApiCreatedResponse({ type: AccountView })
  @ApiErrors(...BODY_ERRORS, 404, 409)
  async create(
    @Body(new BlnkValidationPipe('GEN_VALIDATION_ERROR')) dto: CreateAccountDto,
  ): Promise<AccountView> {
    const account = await this.accounts.create({
      balanceId: dto.balance_id,
      identityId: dto.identity_id,
      ledgerId: dto.ledger_id,
      currency: dto.currency,
      bankName: dto.bank_name,
      number: dto.number,
      metaData: dto.meta_data,
    });
    return presentAccount(account);
  }

  @Post('filter')
  @NoIdempotencyKey()
  @HttpCode(200)
  @ApiBody({ type: FilterRequestDto })
  @ApiSummary('filterAccounts', 'List accounts matching filters')
  @ApiList(AccountView, true)
  @ApiErrors(...BODY_ERRORS)
  async filter(@Body() body: unknown): Promise<unknown> {
    const q = parseFilterBody(body);
    return listBody(await this.accounts.list(q), presentAccount, q.includeCount);
  }

  @Get()
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiSummary('listAccounts', 'List accounts')
  @ApiList(AccountView)
  @ApiErrors()
  async list(@Query() query: Record<string, string>): Promise<unknown> {
    return listBody(
      await this.accounts.list(parseAllOrFilteredQuery(query)),
      presentAccount,
      false,
    );
  }

  @Get(':id')
  @ApiQuery({ name: 'include', required: false, isArray: true, enum: INCLUDES })
  @ApiSummary('getAccount', 'Get an account (optionally with its balance, identity, ledger)')
  @ApiOkResponse({ type: AccountView })
  @ApiErrors(404)
  async get(
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Query('include') include?: string | string[],
  ): Promise<AccountView> {
    const inc = new Set(include === undefined ? [] : [include].flat());
    // Before the account is read: a refusal must not tell whether the account exists.
    if (inc.has('balance')) requireEmbedScope(req, 'balances');
    if (inc.has('identity')) requireEmbedScope(req, 'identities');
    if (inc.has('ledger')) requireEmbedScope(req, 'ledgers');
    const account = await this.accounts.get(id);
    const view = presentAccount(account);
    if (inc.has('ledger')) view.ledger = presentLedger(await this.ledgers.get(account.ledgerId));
    if (inc.has('balance')) {
      view.balance = presentBalance(await this.balances.get(account.balanceId));
    }
    if (inc.has('identity')) {
      view.identity = presentIdentity(await this.identities.get(account.identityId));
    }
    return view;
  }
}

/** GET /mocked-account: a made-up bank account number for tests and demos (reference §2.7). */
@ApiTags('accounts')
@Controller('mocked-account')
export class MockedAccountController {
  @Get()
  @ApiSummary('mockedAccount', 'A random bank account number (nothing is stored)')
  @ApiOkResponse({ type: MockedAccountView })
  @ApiErrors()
  generate(): MockedAccountView {
    return { bank_name: 'Blnk Bank', account_number: accountNumber(() => randomInt(10)) };
  }
}
