/**
 * Privacy redaction of prompts before they leave the machine: secrets and personal data are
 * replaced by placeholders such as `[EMAIL]` or `[OPENROUTER_KEY]`, and the caller learns how
 * many of each were hidden.
 *
 * Rules run in a fixed order: specific secrets first (a key inside `Bearer …` is reported as
 * the key), generic shapes last. Every built-in pattern either starts at a literal prefix or
 * is anchored to the start of a run by a lookbehind and has bounded repetition, so the work is
 * linear in the text. Placeholders contain nothing any rule matches, and the rules are applied
 * again until nothing changes, so redacting twice changes nothing.
 *
 * User patterns (from settings) are untrusted regular expressions. They are limited to
 * MAX_USER_PATTERN_LENGTH characters, and each one runs inside a `node:vm` context with a time
 * limit, so a catastrophically backtracking pattern is stopped and reported instead of freezing
 * the extension host. A pattern that is invalid or stopped is skipped and reported, and the
 * result is flagged `incomplete`, because text the user wanted hidden may still be there.
 */
import * as vm from 'node:vm';
import type { ChatMessage } from '../openrouter/types';
import { plainTranslate, type Translate } from '../util/l10n';

export const MAX_USER_PATTERN_LENGTH = 200;
export const DEFAULT_USER_PATTERN_TIMEOUT_MS = 100;
/** Placeholder and count key for matches of user patterns. */
export const USER_PATTERN_LABEL = 'REDACTED';
const REDACTION_SETTING = 'openrouterLedger.audit.redactionPatterns';

export interface RedactionOptions {
  /** Regular expressions from settings: `source` or `/source/flags` (flags from g, i, m, s, u; always global). */
  extraPatterns?: readonly unknown[];
  /** Time limit for one user pattern over one text. */
  userPatternTimeoutMs?: number;
}

export interface RedactionResult {
  text: string;
  /** Placeholder name → number of replacements; only names that occurred. */
  counts: Record<string, number>;
  /** User-readable reasons why a user pattern was skipped. */
  problems: string[];
  /** True when a configured user pattern could not be applied (invalid, too long, or stopped). */
  incomplete: boolean;
}

type Tally = (label: string) => void;

interface Rule {
  label: string;
  apply(text: string, tally: Tally): string;
}

/** A rule replacing every match of `pattern` by `[label]`; `accept` may turn a match down. */
function patternRule(label: string, pattern: RegExp, accept?: (match: string) => boolean): Rule {
  return {
    label,
    apply: (text, tally) =>
      text.replace(pattern, (match: string) => {
        if (accept && !accept(match)) return match;
        tally(label);
        return `[${label}]`;
      }),
  };
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const HEX = '[0-9A-Fa-f]{1,4}';
const IPV6_FORMS = [
  `(?:${HEX}:){7}${HEX}`,
  `(?:${HEX}:){1,7}:`,
  `(?:${HEX}:){1,6}:${HEX}`,
  `(?:${HEX}:){1,5}(?::${HEX}){1,2}`,
  `(?:${HEX}:){1,4}(?::${HEX}){1,3}`,
  `(?:${HEX}:){1,3}(?::${HEX}){1,4}`,
  `(?:${HEX}:){1,2}(?::${HEX}){1,5}`,
  `${HEX}:(?::${HEX}){1,6}`,
  `:(?::${HEX}){1,7}`,
];

const BEARER = /\b(Bearer)([ \t]+)([A-Za-z0-9._~+/-]+=*)/gi;
const DIGIT_RUN = /\d(?:[ -]?\d)*/g;
const INTERNATIONAL_PHONE = /(?<![\w+])\+(?:\d{7,15}|\d{1,3}(?:[ .-]?\(\d{1,5}\)|[ .-]\d{1,8}){2,5})(?![\w+])/g;
const MIN_PHONE_DIGITS = 8;
const MAX_PHONE_DIGITS = 15;

const RULES: readonly Rule[] = [
  patternRule(
    'PRIVATE_KEY',
    // An unterminated block (END line cut off when pasting) is still a key: hide to the end.
    /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/g,
  ),
  patternRule('OPENROUTER_KEY', /sk-or-(?:v\d+-)?[A-Za-z0-9_-]{8,}/g),
  patternRule('AWS_ACCESS_KEY', /(?:AKIA|ASIA)[A-Z0-9]{16}/g),
  patternRule('GITHUB_TOKEN', /(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g),
  patternRule('SLACK_TOKEN', /xox[abprs]-[A-Za-z0-9-]{10,}/g),
  {
    label: 'BEARER_TOKEN',
    // "the bearer responsibility" is prose: a token of only lowercase letters is left alone.
    apply: (text, tally) =>
      text.replace(BEARER, (match: string, word: string, space: string, token: string) => {
        if (token.length < 8 || /^[a-z]+$/.test(token)) return match;
        tally('BEARER_TOKEN');
        return `${word}${space}[BEARER_TOKEN]`;
      }),
  },
  patternRule('EMAIL', /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu),
  { label: 'CARD', apply: redactCards },
  patternRule('SSN', /(?<!\d)(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?!\d)/g),
  { label: 'PHONE', apply: redactInternationalPhones },
  patternRule('PHONE', /(?<![\w+.-])(?:1[ .-])?(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w(]|[.-]\d)/g),
  patternRule('IP', new RegExp(`(?<![\\w.])(?:${OCTET}\\.){3}${OCTET}(?!\\w|\\.\\d)`, 'g')),
  // Real addresses contain a digit; requiring one spares identifiers such as `Add::beef`.
  patternRule('IP', new RegExp(`(?<![\\w:])(?:${IPV6_FORMS.join('|')})(?![\\w:])`, 'g'), (m) => /\d/.test(m)),
];

const PLACEHOLDER = new RegExp(`(\\[(?:${[...new Set(RULES.map((r) => r.label)), USER_PATTERN_LABEL].join('|')})\\])`);

/**
 * Card numbers: 13–19 digits passing the Luhn check, contiguous or in groups separated by
 * single spaces or dashes. A run of digit groups is searched for such a number on group
 * boundaries, so a card followed by its expiry ("4111 1111 1111 1111 12/27") is still found;
 * digit runs that fail Luhn are left untouched.
 */
function redactCards(text: string, tally: Tally): string {
  return text.replace(DIGIT_RUN, (run: string) => {
    const groups = [...run.matchAll(/\d+/g)].map((m) => ({ start: m.index, end: m.index + m[0].length, digits: m[0] }));
    let out = '';
    let copied = 0;
    for (let i = 0; i < groups.length; ) {
      const end = longestCardWindow(groups, i);
      if (end < 0) {
        i++;
        continue;
      }
      out += `${run.slice(copied, groups[i].start)}[CARD]`;
      copied = groups[end].end;
      tally('CARD');
      i = end + 1;
    }
    return out + run.slice(copied);
  });
}

/** Index of the last group of the longest Luhn-valid 13–19 digit window starting at group `start`, or -1. */
function longestCardWindow(groups: ReadonlyArray<{ digits: string }>, start: number): number {
  let digits = '';
  let found = -1;
  for (let j = start; j < groups.length; j++) {
    digits += groups[j].digits;
    if (digits.length > 19) break;
    if (digits.length >= 13 && luhnValid(digits)) found = j;
  }
  return found;
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * `+44 20 7946 0958`, `+1 (555) 123-4567`, `+15551234567`: 8–15 digits (E.164). When
 * unrelated digits follow the number, trailing groups are dropped until it fits.
 */
function redactInternationalPhones(text: string, tally: Tally): string {
  return text.replace(INTERNATIONAL_PHONE, (match: string) => {
    const groupEnds = [...match.matchAll(/\d+\)?/g)].map((m) => m.index + m[0].length);
    for (let g = groupEnds.length; g > 0; g--) {
      const candidate = match.slice(0, groupEnds[g - 1]);
      const digitCount = candidate.replace(/\D/g, '').length;
      if (digitCount < MIN_PHONE_DIGITS) break;
      if (digitCount <= MAX_PHONE_DIGITS) {
        tally('PHONE');
        return `[PHONE]${match.slice(candidate.length)}`;
      }
    }
    return match;
  });
}

interface UserPattern {
  /** 1-based position in the setting, for messages. */
  index: number;
  source: string;
  flags: string;
}

/**
 * Validates user patterns without running them on any text. Returns the usable ones and a
 * message (in the language of `t`) for each rejected one; exported so settings can be checked
 * when they change.
 */
export function compileUserPatterns(
  raw: readonly unknown[],
  t: Translate = plainTranslate,
): { patterns: UserPattern[]; problems: string[] } {
  const patterns: UserPattern[] = [];
  const problems: string[] = [];
  raw.forEach((value, i) => {
    const index = i + 1;
    if (typeof value !== 'string' || value.trim() === '') {
      problems.push(t('Setting {0}: pattern #{1} must be a non-empty text; it is skipped.', REDACTION_SETTING, index));
      return;
    }
    if (value.length > MAX_USER_PATTERN_LENGTH) {
      problems.push(
        t('Setting {0}: pattern #{1} {2} is longer than {3} characters; it is skipped.', REDACTION_SETTING, index, quote(value), MAX_USER_PATTERN_LENGTH),
      );
      return;
    }
    const literal = /^\/(.+)\/([a-z]*)$/s.exec(value);
    const source = literal ? literal[1] : value;
    const written = literal ? literal[2] : '';
    if (!/^(?!.*(.).*\1)[gimsu]*$/.test(written)) {
      problems.push(
        t('Setting {0}: pattern #{1} {2} has flags "{3}"; only g, i, m, s and u are allowed. It is skipped.', REDACTION_SETTING, index, quote(value), written),
      );
      return;
    }
    const flags = written.replace('g', '');
    try {
      new RegExp(source, `${flags}g`);
    } catch (e) {
      const why = e instanceof Error ? e.message.replace(/^Invalid regular expression: /, '') : String(e);
      problems.push(
        t('Setting {0}: pattern #{1} {2} is not a valid regular expression ({3}); it is skipped.', REDACTION_SETTING, index, quote(value), quote(why)),
      );
      return;
    }
    patterns.push({ index, source, flags: `${flags}g` });
  });
  return { patterns, problems };
}

function quote(text: string): string {
  const clean = text.replace(/[\p{Cc}\p{Cf}]/gu, '');
  return JSON.stringify(clean.length > 60 ? `${clean.slice(0, 59)}…` : clean);
}

/** Runs user patterns in an isolated context whose execution can be interrupted by a timeout. */
const USER_PATTERN_SCRIPT = new vm.Script(`(() => {
  const job = __job;
  const re = new RegExp(job.source, job.flags);
  let count = 0;
  const out = job.segments.map((s) => s.replace(re, (m) => {
    if (m === '') return '';
    count++;
    return job.placeholder;
  }));
  __result = { out, count };
})();`);

/** Applies the valid user patterns to many texts, giving up on a pattern after its first timeout. */
class UserPatternRunner {
  private context: vm.Context | undefined;
  private readonly stopped = new Set<number>();
  readonly problems: string[];
  private readonly patterns: UserPattern[];

  constructor(raw: readonly unknown[], private readonly timeoutMs: number) {
    const compiled = compileUserPatterns(raw);
    this.patterns = compiled.patterns;
    this.problems = compiled.problems;
  }

  get incomplete(): boolean {
    return this.problems.length > 0;
  }

  apply(text: string, tally: Tally): string {
    if (this.patterns.length === 0) return text;
    // Placeholders are kept out of reach, so a user pattern cannot mangle them.
    let parts = text.split(PLACEHOLDER);
    for (const pattern of this.patterns) {
      if (this.stopped.has(pattern.index)) continue;
      const segments = parts.filter((_, i) => i % 2 === 0);
      const replaced = this.run(pattern, segments);
      if (replaced === null) continue;
      for (let n = 0; n < replaced.count; n++) tally(USER_PATTERN_LABEL);
      parts = parts.map((part, i) => (i % 2 === 0 ? replaced.out[i / 2] : part));
      parts = parts.join('').split(PLACEHOLDER);
    }
    return parts.join('');
  }

  private run(pattern: UserPattern, segments: string[]): { out: string[]; count: number } | null {
    this.context ??= vm.createContext({});
    const context = this.context;
    context.__job = { source: pattern.source, flags: pattern.flags, segments, placeholder: `[${USER_PATTERN_LABEL}]` };
    try {
      USER_PATTERN_SCRIPT.runInContext(context, { timeout: this.timeoutMs });
      const result = context.__result as { out: string[]; count: number };
      return { out: Array.from(result.out, String), count: Number(result.count) };
    } catch (e) {
      this.stopped.add(pattern.index);
      const timedOut = (e as { code?: unknown } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';
      this.problems.push(
        timedOut
          ? `Redaction pattern #${pattern.index} ${quote(pattern.source)} took longer than ${this.timeoutMs} ms and was stopped; ` +
              'text it should hide may remain. Simplify the pattern (avoid nested repetition such as (a+)+).'
          : `Redaction pattern #${pattern.index} ${quote(pattern.source)} failed (${quote(String(e))}) and was skipped; text it should hide may remain.`,
      );
      return null;
    } finally {
      context.__job = undefined;
      context.__result = undefined;
    }
  }
}

/**
 * Upper bound on passes. Every change turns at least one character that is not a placeholder
 * into a placeholder, so the loop ends on its own; the cap only bounds pathological input.
 */
const MAX_PASSES = 8;

/**
 * Applies all rules, then again until nothing changes. Within one pass a lookbehind sees the
 * original neighbour, so a secret written flush against another ("a@x.io+b@y.io") is only
 * exposed once the first is replaced; repeating to a fixed point catches it and makes
 * redaction idempotent.
 */
function runRules(text: string, userPatterns: UserPatternRunner, counts: Record<string, number>): string {
  const tally: Tally = (label) => {
    counts[label] = (counts[label] ?? 0) + 1;
  };
  let current = text;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let next = current;
    for (const rule of RULES) next = rule.apply(next, tally);
    next = userPatterns.apply(next, tally);
    if (next === current) break;
    current = next;
  }
  return current;
}

function runnerFor(options: RedactionOptions): UserPatternRunner {
  const timeout = options.userPatternTimeoutMs;
  const timeoutMs = timeout !== undefined && Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_USER_PATTERN_TIMEOUT_MS;
  return new UserPatternRunner(options.extraPatterns ?? [], timeoutMs);
}

/** Redacts one text. Never throws on any input or pattern. */
export function redact(text: string, options: RedactionOptions = {}): RedactionResult {
  const runner = runnerFor(options);
  const counts: Record<string, number> = {};
  const out = runRules(text, runner, counts);
  return { text: out, counts, problems: runner.problems, incomplete: runner.incomplete };
}

/** Redacts the content of every message (roles untouched); counts and problems cover all of them. */
export function redactMessages(
  messages: readonly ChatMessage[],
  options: RedactionOptions = {},
): { messages: ChatMessage[]; counts: Record<string, number>; problems: string[]; incomplete: boolean } {
  const runner = runnerFor(options);
  const counts: Record<string, number> = {};
  const redacted = messages.map((m) => ({ role: m.role, content: runRules(m.content, runner, counts) }));
  return { messages: redacted, counts, problems: runner.problems, incomplete: runner.incomplete };
}
