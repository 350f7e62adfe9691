/**
 * Issue 16: zod 4 against TypeBox 1 on the webhook hot path, validation only.
 *
 * The same rules written in each library (Meta's delivery: ids 1–32 digits or a whole number,
 * mids 1–256 characters, texts, timestamps, attachments, reply_to, quick replies, postbacks,
 * reactions, reads, edits; unknown fields allowed), checked against a 1-message delivery and a
 * 1,000-item one. Rounds are interleaved (zod, TypeBox, TypeBox, zod, …) so that load from
 * other work on the machine falls on both alike; the medians of the rounds are printed.
 *
 *   nice -n 19 node --import tsx bench/schema-libraries.ts [rounds]
 */
import { Compile } from 'typebox/compile';
import Type from 'typebox';
import * as z from 'zod';

const META_ID = '^[0-9]{1,32}$';

// ---- zod 4 -------------------------------------------------------------------------------
const zMetaId = z.union([z.string().regex(new RegExp(META_ID)), z.int().nonnegative()]);
const zId = z.union([z.string().min(1).max(256), z.int().nonnegative()]);
const zText = z.string().max(65_535).nullish();
const zTime = z.union([z.number().nonnegative(), z.string().regex(/^\s*\d+(\.\d+)?\s*$/)]);
const zFlag = z.boolean().nullish();
const zParty = z.looseObject({ id: zMetaId });
const zItem = z.looseObject({
  sender: zParty,
  recipient: zParty,
  timestamp: zTime.optional(),
  message: z
    .looseObject({
      mid: zId,
      text: zText,
      is_echo: zFlag,
      is_deleted: zFlag,
      is_unsupported: zFlag,
      attachments: z.array(z.looseObject({ type: z.string().min(1).max(64), payload: z.looseObject({ url: z.string().max(8_192).nullish() }).nullish() })).optional(),
      reply_to: z.looseObject({ mid: zId.optional(), story: z.looseObject({ id: zId.optional(), url: z.string().max(8_192).nullish() }).optional() }).nullish(),
      quick_reply: z.looseObject({ payload: zText }).optional(),
    })
    .optional(),
  postback: z.looseObject({ mid: zId.optional(), title: zText, payload: zText }).optional(),
  reaction: z.looseObject({ mid: zId, action: z.enum(['react', 'unreact']), reaction: zText, emoji: zText }).optional(),
  read: z.looseObject({ mid: zId.optional() }).optional(),
  message_edit: z.looseObject({ mid: zId, text: zText, num_edit: z.int().nonnegative().nullish() }).optional(),
});
const zDelivery = z.looseObject({
  object: z.string(),
  entry: z.array(
    z.looseObject({
      id: zMetaId.optional(),
      time: zTime.optional(),
      messaging: z.array(zItem).optional(),
      changes: z.array(z.looseObject({ field: z.unknown(), value: z.unknown() })).optional(),
    }),
  ),
});

// ---- TypeBox 1 ---------------------------------------------------------------------------
const tNullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const tMetaId = Type.Union([Type.String({ pattern: META_ID }), Type.Integer({ minimum: 0 })]);
const tId = Type.Union([Type.String({ minLength: 1, maxLength: 256 }), Type.Integer({ minimum: 0 })]);
const tText = Type.Optional(tNullable(Type.String({ maxLength: 65_535 })));
const tTime = Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: '^\\s*\\d+(\\.\\d+)?\\s*$' })]);
const tFlag = Type.Optional(tNullable(Type.Boolean()));
const tParty = Type.Object({ id: tMetaId });
const tItem = Type.Object({
  sender: tParty,
  recipient: tParty,
  timestamp: Type.Optional(tTime),
  message: Type.Optional(
    Type.Object({
      mid: tId,
      text: tText,
      is_echo: tFlag,
      is_deleted: tFlag,
      is_unsupported: tFlag,
      attachments: Type.Optional(Type.Array(Type.Object({ type: Type.String({ minLength: 1, maxLength: 64 }), payload: Type.Optional(tNullable(Type.Object({ url: Type.Optional(tNullable(Type.String({ maxLength: 8_192 }))) }))) }))),
      reply_to: Type.Optional(tNullable(Type.Object({ mid: Type.Optional(tId), story: Type.Optional(Type.Object({ id: Type.Optional(tId), url: Type.Optional(tNullable(Type.String({ maxLength: 8_192 }))) })) }))),
      quick_reply: Type.Optional(Type.Object({ payload: tText })),
    }),
  ),
  postback: Type.Optional(Type.Object({ mid: Type.Optional(tId), title: tText, payload: tText })),
  reaction: Type.Optional(Type.Object({ mid: tId, action: Type.Union([Type.Literal('react'), Type.Literal('unreact')]), reaction: tText, emoji: tText })),
  read: Type.Optional(Type.Object({ mid: Type.Optional(tId) })),
  message_edit: Type.Optional(Type.Object({ mid: tId, text: tText, num_edit: Type.Optional(tNullable(Type.Integer({ minimum: 0 }))) })),
});
const tDelivery = Type.Object({
  object: Type.String(),
  entry: Type.Array(
    Type.Object({
      id: Type.Optional(tMetaId),
      time: Type.Optional(tTime),
      messaging: Type.Optional(Type.Array(tItem)),
      changes: Type.Optional(Type.Array(Type.Object({ field: Type.Unknown(), value: Type.Unknown() }))),
    }),
  ),
});
const tCompiled = Compile(tDelivery);

// ---- deliveries --------------------------------------------------------------------------
const ACCOUNT = '17841400000000001';
const party = (n: number) => ({ id: String(6_000_000_000_000_000 + n) });
function item(i: number): object {
  const head = { sender: party(i % 50), recipient: { id: ACCOUNT }, timestamp: 1_764_000_000_000 + i };
  switch (i % 10) {
    case 7: return { ...head, reaction: { mid: `mid.${i - 1}`, action: 'react', reaction: 'love', emoji: '❤️' } };
    case 8: return { ...head, read: { mid: `mid.${i - 2}` } };
    case 9: return { ...head, message_edit: { mid: `mid.${i - 3}`, text: 'edited text', num_edit: 1 } };
    case 5: return { ...head, message: { mid: `mid.${i}`, attachments: [{ type: 'image', payload: { url: `https://lookaside.example/${i}.jpg` } }] } };
    case 6: return { ...head, message: { mid: `mid.${i}`, text: 'Yes', reply_to: { mid: `mid.${i - 1}` }, quick_reply: { payload: 'YES' } } };
    default: return { ...head, message: { mid: `mid.${i}`, text: `Hello, do you ship to Berlin? (${i})` } };
  }
}
const delivery = (items: number) => JSON.parse(JSON.stringify({ object: 'instagram', entry: [{ id: ACCOUNT, time: 1_764_000_000_000, messaging: Array.from({ length: items }, (_, i) => item(i)) }] }));

const cases = [
  { name: '1-message delivery', body: delivery(1), iterations: 20_000 },
  { name: '1,000-item delivery', body: delivery(1_000), iterations: 40 },
];
const libraries = {
  'zod 4 (safeParse)': (body: unknown) => zDelivery.safeParse(body).success,
  'TypeBox 1 (compiled Check)': (body: unknown) => tCompiled.Check(body),
};

/** Microseconds per validation over `iterations` calls (all must pass). */
function time(check: (body: unknown) => boolean, body: unknown, iterations: number): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) if (!check(body)) throw new Error('a valid delivery was refused');
  return Number(process.hrtime.bigint() - started) / 1_000 / iterations;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const rounds = Number(process.argv[2] ?? 15);
const samples = new Map<string, number[]>();
const names = Object.keys(libraries) as Array<keyof typeof libraries>;
for (const { body, iterations } of cases) for (const name of names) time(libraries[name], body, Math.ceil(iterations / 4)); // warm-up
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? names : [...names].reverse();
  for (const { name: caseName, body, iterations } of cases) {
    for (const name of order) {
      const key = `${caseName}\t${name}`;
      samples.set(key, [...(samples.get(key) ?? []), time(libraries[name], body, iterations)]);
    }
  }
}
const bodyBytes = (body: unknown) => Buffer.byteLength(JSON.stringify(body));
console.log(`node ${process.version}, ${rounds} interleaved rounds, medians (min–max) in µs per validation`);
for (const { name: caseName, body } of cases) {
  console.log(`\n${caseName} (${bodyBytes(body).toLocaleString('en')} bytes)`);
  for (const name of names) {
    const values = samples.get(`${caseName}\t${name}`)!;
    console.log(`  ${name.padEnd(28)} ${median(values).toFixed(2).padStart(10)}  (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`);
  }
}
