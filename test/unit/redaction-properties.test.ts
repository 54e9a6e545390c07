import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { redact } from '../../src/chat/redaction';

const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });
const alnum = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'), minLength: min, maxLength: max });

function luhnCheckDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

const card = fc
  .tuple(digits(12, 18), fc.constantFrom('', ' ', '-'))
  .map(([body, sep]) => {
    const number = body + luhnCheckDigit(body);
    return sep === '' ? number : (number.match(/.{1,4}/g) ?? []).join(sep);
  });

const octet = fc.integer({ min: 0, max: 255 }).map(String);
const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
const group = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
const ipv6 = fc
  .tuple(fc.constantFrom('2001', 'fe80', '2a02', 'fd00', '2607'), fc.array(group, { minLength: 7, maxLength: 7 }), fc.nat(6), fc.nat(7))
  .map(([first, rest, from, length]) => {
    const groups = [first, ...rest];
    if (length < 2) return groups.join(':');
    const end = Math.min(8, from + 1 + length);
    return `${groups.slice(0, from + 1).join(':')}::${groups.slice(end).join(':')}`;
  });

const area = fc.integer({ min: 1, max: 899 }).filter((n) => n !== 666).map((n) => String(n).padStart(3, '0'));
const ssn = fc
  .tuple(area, fc.integer({ min: 1, max: 99 }), fc.integer({ min: 1, max: 9999 }))
  .map(([a, g, s]) => `${a}-${String(g).padStart(2, '0')}-${String(s).padStart(4, '0')}`);

const phone = fc.oneof(
  fc.tuple(digits(3, 3), digits(3, 3), digits(4, 4)).chain(([a, b, c]) =>
    fc.constantFrom(`(${a}) ${b}-${c}`, `${a}-${b}-${c}`, `${a}.${b}.${c}`, `1-${a}-${b}-${c}`, `+1 ${a} ${b} ${c}`, `+1 (${a}) ${b}-${c}`),
  ),
  fc.tuple(digits(1, 3), digits(2, 2), digits(4, 4), digits(4, 4)).map(([cc, a, b, c]) => `+${cc} ${a} ${b} ${c}`),
  fc.tuple(digits(1, 3), digits(8, 11)).map(([cc, n]) => `+${cc}${n}`),
);

const email = fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,15}@[a-z0-9]{1,10}(\.[a-z0-9]{1,10}){0,2}\.[a-z]{2,6}$/);

const privateKey = fc
  .tuple(fc.constantFrom('', 'RSA ', 'EC ', 'OPENSSH ', 'ENCRYPTED '), fc.array(alnum(20, 64), { minLength: 1, maxLength: 4 }))
  .map(([kind, lines]) => `-----BEGIN ${kind}PRIVATE KEY-----\n${lines.join('\n')}\n-----END ${kind}PRIVATE KEY-----`);

/** Each class: the secret to plant, and the part of it that must never survive. */
const secrets: Record<string, fc.Arbitrary<{ planted: string; secret: string }>> = {
  email: email.map((s) => ({ planted: s, secret: s })),
  phone: phone.map((s) => ({ planted: s, secret: s })),
  ssn: ssn.map((s) => ({ planted: s, secret: s })),
  card: card.map((s) => ({ planted: s, secret: s })),
  openRouterKey: hex(64).map((h) => `sk-or-v1-${h}`).map((s) => ({ planted: s, secret: s })),
  awsKey: fc.tuple(fc.constantFrom('AKIA', 'ASIA'), fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'), minLength: 16, maxLength: 16 }))
    .map(([p, s]) => `${p}${s}`).map((s) => ({ planted: s, secret: s })),
  githubToken: fc.oneof(
    fc.tuple(fc.constantFrom('ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'), alnum(36, 36)).map(([p, s]) => p + s),
    alnum(82, 82).map((s) => `github_pat_${s.slice(0, 22)}_${s.slice(22)}`),
  ).map((s) => ({ planted: s, secret: s })),
  slackToken: fc.tuple(fc.constantFrom(...'abprs'), digits(10, 13), digits(10, 13), alnum(24, 24))
    .map(([k, a, b, c]) => `xox${k}-${a}-${b}-${c}`).map((s) => ({ planted: s, secret: s })),
  bearerToken: fc.tuple(alnum(12, 40), digits(1, 3), fc.constantFrom('', '.', '-', '_', '~', '+', '/'), alnum(0, 10))
    .map(([a, d, sym, b]) => `${a}${d}${sym}${b}`).map((token) => ({ planted: `Bearer ${token}`, secret: token })),
  privateKey: privateKey.map((s) => ({ planted: s, secret: s.split('\n')[1] })),
  ipv4: ipv4.map((s) => ({ planted: s, secret: s })),
  ipv6: ipv6.map((s) => ({ planted: s, secret: s })),
};

const surrounding = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 15 }),
  fc.string({ unit: 'binary', maxLength: 15 }),
);

for (const [kind, arbitrary] of Object.entries(secrets)) {
  test(`a planted ${kind} never survives redaction, whatever text surrounds it`, () => {
    fc.assert(
      fc.property(surrounding, arbitrary, surrounding, (before, { planted, secret }, after) => {
        const out = redact(`${before} ${planted} ${after}`).text;
        assert.ok(!out.includes(secret), `${JSON.stringify(secret)} survived in ${JSON.stringify(out)}`);
      }),
      { numRuns: 250 },
    );
  });
}

test('text that cannot form any secret comes back unchanged', () => {
  const safeChars = [...'ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ', ' ', '\n', '.', ',', '!', '?', "'", '(', ')', 'é', 'ß', '日', '本', '😀'];
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...safeChars), maxLength: 200 }), (text) => {
      const result = redact(text);
      assert.equal(result.text, text);
      assert.deepEqual(result.counts, {});
    }),
    { numRuns: 300 },
  );
});

test('redacting already-redacted text changes nothing', () => {
  const piece = fc.oneof(surrounding, ...Object.values(secrets).map((a) => a.map((s) => s.planted)));
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 8 }), fc.constantFrom('', ' ', '\n'), (pieces, joiner) => {
      const once = redact(pieces.join(joiner));
      const twice = redact(once.text);
      assert.equal(twice.text, once.text);
      assert.deepEqual(twice.counts, {});
    }),
    { numRuns: 500 },
  );
});
