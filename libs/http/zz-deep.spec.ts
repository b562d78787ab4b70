import 'reflect-metadata';
import { validateDto } from '@libs/http/validation.pipe';
import { RecordTransactionDto } from '../../src/modules/transaction/interface/http/transaction.dto';
import { parseJson, stringifyJson } from '@libs/core/json';
it('deep', () => {
  for (const d of [2000, 4000]) {
    let arr = '1'; for (let i = 0; i < d; i++) arr = `[${arr}]`;
    const body = parseJson(`{"currency":"USD","description":"d","source":"a","destination":"b","reference":"r","precise_amount":1,"meta_data":{"x":${arr}}}`) as object;
    try { validateDto(RecordTransactionDto, body); console.log(d, 'validate ok'); } catch (e) { console.log(d, 'validate', String(e).slice(0, 100)); }
    try { stringifyJson(body); console.log(d, 'stringify ok'); } catch (e) { console.log(d, 'stringify', String(e).slice(0, 100)); }
    try { JSON.stringify(body); console.log(d, 'JSON ok'); } catch (e) { console.log(d, 'JSON', String(e).slice(0, 100)); }
  }
});
