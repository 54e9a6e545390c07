import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileUserPatterns, redact, redactMessages, MAX_USER_PATTERN_LENGTH } from '../../src/chat/redaction';

const OPENROUTER_KEY = `sk-or-v1-${'0123456789abcdef'.repeat(4)}`;

test('each kind of secret and personal data is replaced by its placeholder and counted', () => {
  const cases: Array<[string, string, string]> = [
    ['write to jane.doe+work@example.co.uk today', 'write to [EMAIL] today', 'EMAIL'],
    ['write to josé@exämple.de today', 'write to [EMAIL] today', 'EMAIL'],
    ['call (555) 123-4567 now', 'call [PHONE] now', 'PHONE'],
    ['call 1-800-555-0199 now', 'call [PHONE] now', 'PHONE'],
    ['call +44 20 7946 0958 now', 'call [PHONE] now', 'PHONE'],
    ['call +15551234567 now', 'call [PHONE] now', 'PHONE'],
    ['ssn 078-05-1120 on file', 'ssn [SSN] on file', 'SSN'],
    ['card 4111 1111 1111 1111 on file', 'card [CARD] on file', 'CARD'],
    ['card 5500-0000-0000-0004 on file', 'card [CARD] on file', 'CARD'],
    ['amex 378282246310005 on file', 'amex [CARD] on file', 'CARD'],
    [`key ${OPENROUTER_KEY} here`, 'key [OPENROUTER_KEY] here', 'OPENROUTER_KEY'],
    ['aws AKIAIOSFODNN7EXAMPLE here', 'aws [AWS_ACCESS_KEY] here', 'AWS_ACCESS_KEY'],
    ['sts ASIAY34FZKBOKMUTVV7A here', 'sts [AWS_ACCESS_KEY] here', 'AWS_ACCESS_KEY'],
    [`gh ghp_${'a1B2'.repeat(9)} here`, 'gh [GITHUB_TOKEN] here', 'GITHUB_TOKEN'],
    [`gh github_pat_11ABCDEFG0123456789_${'x'.repeat(59)} here`, 'gh [GITHUB_TOKEN] here', 'GITHUB_TOKEN'],
    ['slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx here', 'slack [SLACK_TOKEN] here', 'SLACK_TOKEN'],
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig', 'Authorization: Bearer [BEARER_TOKEN]', 'BEARER_TOKEN'],
    ['host 192.168.10.254 is up', 'host [IP] is up', 'IP'],
    ['host 2001:db8:85a3::8a2e:370:7334 is up', 'host [IP] is up', 'IP'],
    ['host fe80::1 is up', 'host [IP] is up', 'IP'],
    ['host 2001:0db8:85a3:0000:0000:8a2e:0370:7334 is up', 'host [IP] is up', 'IP'],
  ];
  for (const [input, expected, label] of cases) {
    const result = redact(input);
    assert.equal(result.text, expected, input);
    assert.deepEqual(result.counts, { [label]: 1 }, input);
  }
});

test('a private key block is hidden from BEGIN through END, and an unterminated one to the end', () => {
  const block = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi\nZ1BjP5CE/Wm/Rr500P\n-----END RSA PRIVATE KEY-----';
  assert.equal(redact(`before\n${block}\nafter`).text, 'before\n[PRIVATE_KEY]\nafter');
  const cut = 'paste: -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ';
  assert.equal(redact(cut).text, 'paste: [PRIVATE_KEY]');
});

test('a key inside a Bearer header is reported as the key, not as a generic token', () => {
  const result = redact(`Authorization: Bearer ${OPENROUTER_KEY}`);
  assert.equal(result.text, 'Authorization: Bearer [OPENROUTER_KEY]');
  assert.deepEqual(result.counts, { OPENROUTER_KEY: 1 });
});

test('digit runs that fail the Luhn check are left untouched', () => {
  for (const text of ['order 4111 1111 1111 1112 shipped', 'id 1234567890123456 ok', 'build 20240115123456789012 done', 'pi 3.14159265358979']) {
    assert.equal(redact(text).text, text);
  }
});

test('a card number followed by its expiry date is still found', () => {
  assert.equal(redact('4111 1111 1111 1111 12/27').text, '[CARD] 12/27');
  assert.equal(redact('4111 1111 1111 1111 12 27').text, '[CARD] 12 27');
});

test('ordinary technical text is not mistaken for personal data', () => {
  const clean = [
    'released 2024-01-15 at 12:30:45 as version 1.2.3',
    'std::vector<int> v; Add::beef(); a :: b',
    'the bearer responsibility of the bearer instrument',
    'octets 256.1.1.1 and 10.0.0.300 are not addresses',
    'count 12 apples, 345 pears and 6789 plums',
    'uuid 123e4567-e89b-12d3-a456-426614174000',
    'sha a94a8fe5ccb19ba61c4c0873d391e987982fbbd3',
    'mask sk-or-v1-abc…wxyz is already safe',
  ];
  for (const text of clean) assert.equal(redact(text).text, text);
});

test('counts add up across several findings', () => {
  const result = redact(`a@example.com b@example.org ${OPENROUTER_KEY} 10.0.0.1`);
  assert.deepEqual(result.counts, { EMAIL: 2, OPENROUTER_KEY: 1, IP: 1 });
  assert.deepEqual(result.problems, []);
  assert.equal(result.incomplete, false);
});

test('patterns from settings hide what they match, with /pattern/flags syntax available', () => {
  const result = redact('Project Falcon ships; ticket ACME-1234 and acme-99', { extraPatterns: ['ACME-\\d+', '/project falcon/i'] });
  assert.equal(result.text, '[REDACTED] ships; ticket [REDACTED] and acme-99');
  assert.deepEqual(result.counts, { REDACTED: 2 });
  assert.equal(result.incomplete, false);
});

test('an invalid pattern from settings is reported and skipped, and built-in redaction still happens', () => {
  const result = redact('mail a@example.com about Falcon', { extraPatterns: ['(unclosed', 'Falcon'] });
  assert.equal(result.text, 'mail [EMAIL] about [REDACTED]');
  assert.equal(result.problems.length, 1);
  assert.match(result.problems[0], /Setting openrouterLedger.audit.redactionPatterns: pattern #1 "\(unclosed" is not a valid regular expression/);
  assert.equal(result.incomplete, true, 'the user asked for something to be hidden that could not be');
});

test('over-long patterns, unknown flags and non-text entries are rejected with a reason', () => {
  const { patterns, problems } = compileUserPatterns(['x'.repeat(MAX_USER_PATTERN_LENGTH + 1), '/abc/y', 42, '', 'ok']);
  assert.equal(patterns.length, 1);
  assert.match(problems[0], /#1 .* longer than 200 characters/);
  assert.match(problems[1], /#2 .* flags "y"/);
  assert.match(problems[2], /#3 must be a non-empty text/);
  assert.match(problems[3], /#4 must be a non-empty text/);
});

test('a catastrophically backtracking pattern is stopped and reported instead of freezing', { timeout: 10_000 }, () => {
  const text = `${'a'.repeat(40)}! and a@example.com`;
  const result = redact(text, { extraPatterns: ['(a+)+$', '/A+!/i'], userPatternTimeoutMs: 50 });
  assert.match(result.problems[0], /#1 "\(a\+\)\+\$" took longer than 50 ms and was stopped/);
  assert.equal(result.text, '[REDACTED] and [EMAIL]', 'later patterns and built-ins still run');
  assert.equal(result.incomplete, true);
});

test('patterns from settings cannot corrupt placeholders or insert them at empty matches', () => {
  const result = redact('mail a@example.com now', { extraPatterns: ['[A-Z]+', 'x*'] });
  assert.equal(result.text, 'mail [EMAIL] now');
  assert.deepEqual(result.counts, { EMAIL: 1 });
});

test('redacting messages keeps roles, sums counts and reports a bad pattern once', { timeout: 10_000 }, () => {
  const out = redactMessages(
    [
      { role: 'system', content: 'You help a@example.com' },
      { role: 'user', content: `my key is ${OPENROUTER_KEY} and ${'a'.repeat(40)}!` },
      { role: 'assistant', content: `noted ${'a'.repeat(40)}!` },
    ],
    { extraPatterns: ['(a+)+$', '(bad'], userPatternTimeoutMs: 30 },
  );
  assert.deepEqual(out.messages.map((m) => m.role), ['system', 'user', 'assistant']);
  assert.equal(out.messages[0].content, 'You help [EMAIL]');
  assert.ok(out.messages[1].content.startsWith('my key is [OPENROUTER_KEY] and '));
  assert.deepEqual(out.counts, { EMAIL: 1, OPENROUTER_KEY: 1 });
  assert.equal(out.problems.length, 2, out.problems.join('\n'));
});

test('large prompts full of near-misses are redacted without blowing up', { timeout: 20_000 }, () => {
  const noise = ['x@y', '12:34', '555-12', '+44 1', 'sk-or-', 'ghp_x', '::1a', '4111 ', 'AKIA1', 'xoxb-', 'a.', '1 '];
  const text = Array.from({ length: 40_000 }, (_, i) => noise[i % noise.length]).join('');
  const result = redact(`${text} a@example.com`);
  assert.ok(result.text.endsWith(' [EMAIL]'));
});
