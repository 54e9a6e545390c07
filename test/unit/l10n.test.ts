/**
 * The translation seam of the vscode-free modules: text a user sees goes through the `Translate`
 * the host passes (`vscode.l10n.t`), as literal templates whose values arrive as arguments, so
 * the strings can be extracted and translated. English under `plainTranslate` is covered by the
 * modules' own tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateBudget, validateBudgetSettings } from '../../src/budget/policy';
import { ChatSession } from '../../src/chat/chatSession';
import { preflight } from '../../src/chat/preflight';
import { compileUserPatterns } from '../../src/chat/redaction';
import { keyFormatProblem } from '../../src/keys/keySlots';
import { errorFromResponse } from '../../src/openrouter/errors';
import { describeError } from '../../src/util/errors';
import { plainTranslate, type Translate } from '../../src/util/l10n';

const KEY = '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';

/** A stand-in "language": every translated piece comes back wrapped in «…»; templates are recorded. */
function recordingTranslator(): { t: Translate; templates: string[] } {
  const templates: string[] = [];
  const t: Translate = (message, ...args) => {
    templates.push(message);
    return `«${plainTranslate(message, ...args)}»`;
  };
  return { t, templates };
}

function httpError(status: number, body: unknown, headers: Record<string, string> = {}) {
  return errorFromResponse({
    endpoint: 'POST /chat/completions',
    status,
    headers: new Headers(headers),
    bodyText: JSON.stringify(body),
    nowMs: Date.parse('2026-05-01T12:00:00Z'),
    keyKind: 'inference',
  });
}

const SOURCES = readdirSync('src', { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts'))
  .map((f) => readFileSync(join('src', f), 'utf8'))
  .join('\n');

/**
 * Extraction tools only see a message written as a string literal at the call. Also: no amount,
 * count or name from the scenario may be baked into a template instead of passed as an argument.
 */
function assertLiteralTemplates(templates: string[], scenarioValues: string[]): void {
  assert.ok(templates.length > 0, 'nothing went through the translator');
  for (const template of templates) {
    const escaped = template.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(SOURCES, new RegExp(`\\bt\\(\\s*(['"])${escaped}\\1`), `not a literal t(…) template in src/: ${template}`);
    assert.doesNotMatch(template, /\$\d/, `a dollar amount is baked into: ${template}`);
    const withoutPlaceholders = template.replace(/\{\d+\}/g, '');
    for (const value of scenarioValues) assert.ok(!withoutPlaceholders.includes(value), `"${value}" is baked into: ${template}`);
  }
}

test('an OpenRouter 402 key-limit error is shown in the user language while userMessage stays English', () => {
  const { t, templates } = recordingTranslator();
  const err = httpError(402, { error: { code: 402, message: 'Key limit exceeded', metadata: { limit_source: 'openrouter_key_limit' } } });
  assert.equal(
    err.localizedMessage(t),
    "«This API key has reached its spending limit on OpenRouter. Raise the key's limit or use another key.»",
  );
  assert.equal(describeError(err, t), err.localizedMessage(t), 'util/errors describes OpenRouter errors through the translator');
  assert.equal(err.userMessage, "This API key has reached its spending limit on OpenRouter. Raise the key's limit or use another key.");
  assertLiteralTemplates(templates, []);
});

test('retry times, statuses and provider names reach a translated error message as arguments', () => {
  const { t, templates } = recordingTranslator();
  const inFlight = httpError(
    402,
    { error: { code: 402, message: 'in-flight', metadata: { limit_source: 'openrouter_in_flight_budget' } } },
    { 'Retry-After': '20' },
  );
  assert.equal(
    inFlight.localizedMessage(t),
    '«Your remaining OpenRouter credit is held by requests that are still running. «Try again in «20 seconds».» Adding credits also helps.»',
  );
  const overloaded = httpError(529, { error: { code: 529, message: 'Overloaded', metadata: { provider_name: 'Venice' } } }, { 'Retry-After': '7200' });
  assert.equal(
    overloaded.localizedMessage(t),
    '«OpenRouter or the model provider (Venice) is overloaded right now (529). «Try again in «about 2 hours».»»',
  );
  assert.ok(templates.includes('Try again in {0}.'), templates.join(' | '));
  assertLiteralTemplates(templates, ['20', '529', '7200', 'Venice']);
});

test('a translated error message still never contains the API key the server echoed', () => {
  const { t } = recordingTranslator();
  const err = httpError(400, { error: { code: 400, message: `Invalid key ${KEY}` } });
  const shown = err.localizedMessage(t);
  assert.ok(shown.startsWith('«OpenRouter rejected the request (400): '), shown);
  assert.ok(!shown.includes(KEY) && !shown.includes(KEY.slice(12, 40)), shown);
  assert.match(shown, /sk-or-v1-d35…855d/);
});

test('a budget refusal summary and its violations are translated, with the amounts as arguments', () => {
  const { t, templates } = recordingTranslator();
  const decision = evaluateBudget({
    settings: { daily: 5, monthly: 0, perRequest: 0.01, mode: 'block' },
    estimateUsd: 0.02,
    spentTodayUsd: 4.99,
    spentMonthUsd: 4.99,
    openRouterUsageDaily: 4.5,
    t,
  });
  assert.equal(decision.verdict, 'refuse');
  assert.equal(
    decision.summary,
    '«Blocked by your budget. ' +
      '«This request may cost up to $0.02, over your per-request limit of $0.01.» ' +
      "«Today's spend of $4.99 (OpenRouter reports $4.50, this ledger $4.99; the larger counts) plus this request (up to $0.02) comes to $5.01, over your daily limit of $5.00.»»",
  );
  assertLiteralTemplates(templates, ['0.02', '0.01', '4.99', '4.50', '5.01', '5.00']);
});

test('an unknown price is explained in the user language from the pre-flight down to the budget summary', async () => {
  const { t, templates } = recordingTranslator();
  const check = await preflight({
    model: undefined,
    modelId: 'vendor/unlisted',
    messages: [{ role: 'user', content: 'hello' }],
    maxTokens: 64,
    budget: { daily: 0, monthly: 0, perRequest: 0.25, mode: 'warn' },
    spentSince: async () => 0,
    keyInfo: null,
    now: new Date('2026-05-01T12:00:00Z'),
    t,
  });
  assert.equal(
    check.decision.summary,
    "««Cannot verify the cost of this request: «price unknown for vendor/unlisted (not in OpenRouter's model list)». Your per-request limit is $0.25.» Send anyway?»",
  );
  assertLiteralTemplates(templates, ['vendor/unlisted', '0.25']);
});

test('settings problems (budget limits, redaction patterns) are translated and name the setting as an argument', () => {
  const { t, templates } = recordingTranslator();
  const budget = validateBudgetSettings({ monthly: -7, mode: 'strict' }, 'openrouterLedger.budget', t);
  assert.deepEqual(budget.problems, [
    '«Setting openrouterLedger.budget.monthly must be a number of US dollars, 0 or more (0 = off); found -7. The monthly limit is off until this is fixed.»',
    '«Setting openrouterLedger.budget.mode must be "warn" or "block"; found "strict". Using "warn".»',
  ]);
  const patterns = compileUserPatterns(['(unclosed', '/x/q'], t);
  assert.equal(patterns.problems.length, 2);
  for (const problem of patterns.problems) assert.match(problem, /^«Setting openrouterLedger.audit.redactionPatterns: pattern #\d .*»$/);
  assertLiteralTemplates(templates, ['openrouterLedger', '-7', 'strict', 'unclosed']);
});

test('the key format check speaks the user language', () => {
  const { t, templates } = recordingTranslator();
  assert.equal(keyFormatProblem('', t), '«Paste your OpenRouter key (it starts with "sk-or-v1-").»');
  assert.equal(keyFormatProblem('sk-or-v1-abc', t), '«This key is too short; copy the whole key from openrouter.ai/settings/keys.»');
  assertLiteralTemplates(templates, []);
});

test('the chat transcript labels, token counts, cost and failure notes are translated', () => {
  const { t, templates } = recordingTranslator();
  const session = new ChatSession('openai/gpt-4o-mini', 7);
  const ok = session.startTurn('What is 6 × 7?');
  ok.answer = '42';
  session.finishTurn(ok, { status: 'success', modelUsed: 'openai/gpt-4o-mini', tokens: 12, cost: 0.0042, costExact: false, latencyMs: 2300 });
  const failed = session.startTurn('And again?');
  session.finishTurn(failed, { status: 'timeout', modelUsed: null });

  const text = session.render(t);
  assert.ok(text.startsWith(`# «OpenRouter Chat 7 — openai/gpt-4o-mini»\n\n_«Session ${session.id.slice(0, 8)} · every request is recorded in the ledger»_`), text);
  assert.match(text, /\*\*«You:»\*\* What is 6 × 7\?/);
  assert.match(text, /_«12 tokens» · «\$0\.0042 \(estimate\)» · «2\.3 s»_/);
  assert.match(text, /_«timeout»_/);
  assertLiteralTemplates(templates, ['12', '0.0042', '2.3', 'gpt-4o']);
});
