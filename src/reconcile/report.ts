/**
 * The reconciliation report as Markdown (no `vscode` import). Model names come from OpenRouter
 * and go through `mdText`, so they render as text.
 */
import { mdText } from '../lookup/markdownText';
import { formatUsd } from '../util/money';
import { plainTranslate, type Translate } from '../util/l10n';
import type { Reconciliation } from './reconcile';

const signedUsd = (v: number) => (v > 0 ? `+${formatUsd(v)}` : formatUsd(v));

export function buildReconcileReport(r: Reconciliation, t: Translate = plainTranslate): string {
  const differing = r.comparisons.filter((c) => c.kind !== 'match');
  const out = [
    `# ${t('OpenRouter reconciliation {0} – {1} (UTC)', r.from, r.to)}`,
    '',
    t('Key in use here: {0}. The ledger’s spend for this key is compared with OpenRouter’s /activity for it, per UTC day and model.', mdText(r.keyLabel)),
    '',
    `| ${t('Figure')} | ${t('USD')} |`,
    '|---|---|',
    `| ${t('OpenRouter’s spend for the key')} | ${mdText(formatUsd(r.openRouterTotal))} |`,
    `| ${t('Recorded by this extension')} | ${mdText(formatUsd(r.ledgerTotal))} |`,
    `| ${t('Spent outside this extension (other tools sharing the key)')} | ${mdText(formatUsd(r.outsideTotal))} |`,
    `| ${t('Unexplained differences (sum of absolute values)')} | ${mdText(formatUsd(r.mismatchTotal))} |`,
    '',
  ];
  if (r.outsideTotal > 0 && r.openRouterTotal > 0) {
    out.push(t('{0} of the key’s spend ({1}%) came from outside this extension.', mdText(formatUsd(r.outsideTotal)), Math.round((r.outsideTotal / r.openRouterTotal) * 100)), '');
  }
  out.push(`## ${t('Days and models that differ')}`, '');
  if (!differing.length) out.push(t('None: every day and model matches to within $0.000001.'), '');
  else {
    out.push(
      `| ${t('Day')} | ${t('Model')} | ${t('OpenRouter')} | ${t('Ledger')} | ${t('Difference')} | ${t('Requests (OpenRouter / ledger)')} | ${t('Why')} |`,
      '|---|---|---|---|---|---|---|',
    );
    for (const c of differing) {
      const unknown = c.ledgerUnknownCosts ? ` ${t('({0} with unknown cost)', c.ledgerUnknownCosts)}` : '';
      const why = c.kind === 'outside' ? t('spent outside this extension') : t('mismatch');
      out.push(
        `| ${c.date} | ${mdText(c.model)} | ${mdText(formatUsd(c.openRouterCost))} | ${mdText(formatUsd(c.ledgerCost))}${unknown} | ${mdText(signedUsd(c.difference))} | ${c.openRouterRequests} / ${c.ledgerRequests} | ${why} |`,
      );
    }
    out.push('');
  }
  out.push(`## ${t('Pricing from /generation')}`, '', t('{0} row(s) priced from OpenRouter’s exact record in this run.', r.priced), '');
  if (r.unpriced.length) {
    out.push(t('{0} row(s) could not be priced; their cost stays as recorded:', r.unpriced.length), '', `| ${t('Time')} | ${t('Generation')} | ${t('Model')} | ${t('Recorded cost')} | ${t('Why')} |`, '|---|---|---|---|---|');
    for (const u of r.unpriced) {
      out.push(`| ${mdText(u.ts)} | ${mdText(u.generationId)} | ${mdText(u.model)} | ${mdText(formatUsd(u.cost))} (${mdText(u.costSource)}) | ${mdText(u.reason)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
