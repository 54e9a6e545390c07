/** Deep checks of the forecast figures both webviews render (balance, burn, runway, projection). */
import { finite, finiteOrNull, nullable, oneOf, shape, tagged, type Check } from './validate';

export const balanceCheck: Check = nullable(shape({
  amount: finiteOrNull,
  binding: oneOf('credits', 'key-limit', 'none'),
  keyLimit: finiteOrNull,
  totalCredits: finiteOrNull,
  at: finite,
}));

export const burnCheck: Check = shape({ perDay: finiteOrNull, source: oneOf('ledger', 'account') });

export const runwayCheck: Check = tagged('kind', {
  unknown: {}, 'no-limit': {}, exhausted: {}, 'no-spend': {},
  days: { days: finite, until: finite },
});

export const projectionCheck: Check = shape({ monthToDate: finite, projected: finiteOrNull, budget: finiteOrNull, overBudgetBy: finiteOrNull });
