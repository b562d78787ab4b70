import { Registry } from 'prom-client';
import { PromLedgerMetrics } from './ledger-metrics.prom';
import { MetricsRegistry } from './metrics-registry';

function metrics() {
  const registry = new Registry();
  const m = new PromLedgerMetrics({ registry } as MetricsRegistry);
  const series = async () =>
    (await registry.getSingleMetric('blnk_transaction_total')!.get()).values.map(
      (v) => `${v.labels.status} ${v.labels.currency} ${v.value}`,
    );
  return { m, series };
}

describe('PromLedgerMetrics currency labels', () => {
  it('a refused skip_queue transfer takes no currency label of its own', async () => {
    const { m, series } = metrics();
    m.rows([{ status: 'APPLIED', currency: 'USD' }]);
    m.rows([
      { status: 'REJECTED', currency: 'USD', reason: 'TXN_INSUFFICIENT_FUNDS', stored: false },
      { status: 'REJECTED', currency: 'JUNK1', reason: 'TXN_INSUFFICIENT_FUNDS', stored: false },
    ]);
    expect((await series()).sort()).toEqual([
      'APPLIED USD 1',
      'REJECTED USD 1',
      'REJECTED other 1',
    ]);
  });

  it('junk refusals cannot fill the labels: a real currency after them keeps its own', async () => {
    const { m, series } = metrics();
    for (let i = 0; i < 500; i++) {
      m.rows([{ status: 'REJECTED', currency: `J${i}`, reason: 'X', stored: false }]);
    }
    m.rows([{ status: 'APPLIED', currency: 'EUR' }]);
    expect((await series()).sort()).toEqual(['APPLIED EUR 1', 'REJECTED other 500']);
  });
});
