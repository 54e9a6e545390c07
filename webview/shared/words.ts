/** Runway and balances in words, shared by the dashboard and the cost view. */
import type { Balance, Burn, Runway } from '../../src/webviews/shared/forecast';
import type { WebviewStrings } from '../../src/webviews/shared/strings';
import { fill, usd } from './format';

export function runwayText(runway: Runway, s: WebviewStrings): string {
  switch (runway.kind) {
    case 'unknown':
      return s.unknown;
    case 'no-limit':
      return s.noLimit;
    case 'exhausted':
      return s.runwayExhausted;
    case 'no-spend':
      return s.runwayNoSpend;
    case 'days':
      return runway.days < 1 ? s.runwayLessThanDay : fill(s.runwayDays, Math.floor(runway.days), new Date(runway.until).toISOString().slice(0, 10));
  }
}

export function balanceText(balance: Balance | null, s: WebviewStrings): string {
  if (!balance) return s.unknown;
  return balance.amount === null ? s.noLimit : usd(balance.amount, s.unknown);
}

export function boundText(balance: Balance | null, s: WebviewStrings): string {
  if (!balance || balance.amount === null) return '';
  return balance.binding === 'key-limit' ? s.boundKeyLimit : s.boundCredits;
}

export function burnText(burn: Burn, s: WebviewStrings): string {
  return burn.perDay === null ? s.unknown : fill(s.burnPerDay, usd(burn.perDay, s.unknown), burn.source === 'account' ? s.burnAccount : s.burnLedger);
}
