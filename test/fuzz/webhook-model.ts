import fc from 'fast-check';

/**
 * Generated webhook deliveries that know whether they are valid. The rules are the parser's
 * documented ones (src/adapters/http/schemas/meta-values.ts and webhook.ts): ids are non-empty strings of at most
 * 256 characters or non-negative safe integers; texts are strings without NUL of at most
 * 65,535 UTF-8 bytes; timestamps are non-negative numbers or digit strings; flags are
 * booleans (or absent/null); a delivery is all or nothing.
 */
export interface Part<T = unknown> {
  value: T;
  valid: boolean;
}

const ok = <T>(value: T): Part<T> => ({ value, valid: true });
const bad = <T>(value: T): Part<T> => ({ value, valid: false });
/** `undefined` values vanish in JSON.stringify, which is how a field is left out. */
const ABSENT = undefined;

/** Replaced by raw bytes that are not UTF-8 after serialisation (see `toBytes`). */
const BAD_UTF8 = '~BADUTF8~';
const BAD_UTF8_BYTES = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82]);
/** What the service reads for those bytes: Node decodes bad UTF-8 as U+FFFD. */
const BAD_UTF8_DECODED = Buffer.concat([BAD_UTF8_BYTES, Buffer.from('.')]).toString('utf8').slice(0, -1);
/** Deeply nested JSON is spliced in as text (JSON.stringify itself would overflow the stack). */
const DEEP = /"~DEEP(\d+)~"/g;

/** A string as the service sees it after the bytes are decoded. */
function decoded(value: string): string {
  return value.replaceAll(BAD_UTF8, BAD_UTF8_DECODED);
}

const MAX_TEXT_BYTES = 65_535;

const loneSurrogate = fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff');
const oddString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'binary-ascii', maxLength: 20 }),
  fc.string({ unit: fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }), loneSurrogate), maxLength: 10 }),
  fc.constantFrom('', ' ', '\\', '"', '\u2028\u2029', '🙂'.repeat(5), 'null', '{}', `x${BAD_UTF8}y`),
);

/** Huge strings near and past the limits, built from a repeated unit so they stay cheap. */
const hugeString = fc
  .tuple(fc.constantFrom('a', 'é', '€', '🙂'), fc.constantFrom(255, 256, 257, 8_192, 8_193, 21_845, 32_768, 65_535, 65_536, 70_000))
  .map(([unit, bytes]) => unit.repeat(Math.max(1, Math.floor(bytes / Buffer.byteLength(unit)))));

const wrongType = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.integer({ min: -1_000_000, max: -1 }),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.nat(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.nat(), { maxKeys: 2 }),
);

function textPart(value: unknown): Part {
  if (value === undefined || value === null) return ok(value);
  if (typeof value !== 'string') return bad(value);
  const bytes = Buffer.byteLength(decoded(value), 'utf8');
  return { value, valid: bytes <= MAX_TEXT_BYTES && !value.includes('\u0000') };
}

function idPart(value: unknown): Part {
  if (typeof value === 'number') return { value, valid: Number.isSafeInteger(value) && value >= 0 };
  if (typeof value !== 'string') return bad(value);
  const length = decoded(value).length;
  return { value, valid: length > 0 && length <= 256 };
}

const id = fc.oneof(
  { weight: 6, arbitrary: fc.oneof(fc.bigInt({ min: 1n, max: 9_999_999_999_999_999n }).map(String), fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER)) },
  { weight: 2, arbitrary: oddString },
  { weight: 1, arbitrary: fc.oneof(wrongType, hugeString, fc.constant(Number.MAX_SAFE_INTEGER + 2), fc.constant(1.5)) },
).map(idPart);

/** Meta ids (sender, recipient, entry): 1–32 ASCII digits, or a whole JSON number. */
const metaId = fc.oneof(
  { weight: 6, arbitrary: fc.oneof(fc.bigInt({ min: 1n, max: 9_999_999_999_999_999n }).map(String), fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER), fc.stringMatching(/^[0-9]{1,32}$/)) },
  { weight: 2, arbitrary: fc.oneof(oddString, fc.constantFrom('..', '.', 'me', '1/2', ' 1', '1'.repeat(33), '１２３')) },
  { weight: 1, arbitrary: fc.oneof(wrongType, hugeString, fc.constant(Number.MAX_SAFE_INTEGER + 2), fc.constant(1.5), fc.constant(-1)) },
).map((value): Part => {
  if (typeof value === 'number') return { value, valid: Number.isSafeInteger(value) && value >= 0 };
  return { value, valid: typeof value === 'string' && /^[0-9]{1,32}$/.test(value) };
});

const text = fc.oneof(
  { weight: 6, arbitrary: oddString },
  { weight: 1, arbitrary: fc.constantFrom(ABSENT, null) },
  { weight: 1, arbitrary: hugeString },
  { weight: 1, arbitrary: wrongType },
).map(textPart);

const timestamp = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1_500_000_000_000, max: 1_900_000_000_000 }).map(ok) },
  { weight: 1, arbitrary: fc.constantFrom(ABSENT, 0, 1_569_262_485, '1569262485', ' 1569262485 ', '1569262485349.5', 8.64e15).map(ok) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 8.64e15 + 1e6, Number.POSITIVE_INFINITY, '-5', 'yesterday', '', '1e3', null, true, [], {}).map(bad) },
);

const flag = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(ABSENT, null, true, false).map(ok) },
  { weight: 1, arbitrary: fc.constantFrom('true', 1, 0, [], {}).map(bad) },
);

/** Valid but odd padding: nothing reads it, but it is kept in `raw`. Deep nesting is refused. */
const padding = fc.oneof(
  { weight: 4, arbitrary: fc.constant(ok(ABSENT)) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map(ok) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 12 }).map((depth) => ok(nested(depth))) },
  { weight: 1, arbitrary: fc.constantFrom(200, 5_000, 100_000).map((depth) => bad(nested(depth))) },
);

/** Objects and arrays nested `depth` levels deep (as a placeholder past a few hundred). */
function nested(depth: number): unknown {
  if (depth > 100) return `~DEEP${depth}~`;
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { d: value };
  return value;
}

function deepJson(depth: number): string {
  const pairs = Math.ceil(depth / 2);
  return `${'[{"d":'.repeat(pairs)}"bottom"${'}]'.repeat(pairs)}`;
}

const attachment = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .record({
        type: fc.oneof(fc.constantFrom('image', 'video', 'audio', 'file', 'story_mention', 'share', 'ig_reel').map(ok), oddString.map((t) => ({ value: t, valid: decoded(t).length > 0 && decoded(t).length <= 64 }))),
        url: fc.oneof(fc.constantFrom(ABSENT, null).map(ok), fc.webUrl().map(ok), oddString.map(ok), fc.constantFrom(8_192, 8_193).map((n) => ({ value: 'u'.repeat(n), valid: n <= 8_192 })), wrongType.filter((v) => v !== null).map(bad)),
        payloadShape: fc.constantFrom('object', 'absent', 'null', 'string', 'array'),
      })
      .map(({ type, url, payloadShape }): Part => {
        const payload = payloadShape === 'object' ? { url: url.value } : payloadShape === 'absent' ? ABSENT : payloadShape === 'null' ? null : payloadShape === 'string' ? 'x' : [];
        const payloadValid = payloadShape === 'object' ? url.valid : payloadShape !== 'string' && payloadShape !== 'array';
        return { value: { type: type.value, payload }, valid: type.valid && payloadValid };
      }),
  },
  { weight: 1, arbitrary: fc.oneof(wrongType, oddString).map(bad) },
);

const attachments = fc.oneof(
  { weight: 4, arbitrary: fc.constant(ok(ABSENT)) },
  { weight: 3, arbitrary: fc.array(attachment, { maxLength: 4 }).map((list) => ({ value: list.map((a) => a.value), valid: list.every((a) => a.valid) })) },
  { weight: 1, arbitrary: fc.constantFrom('image', 1, {}, null).map(bad) },
);

const replyTo = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(ABSENT, null).map(ok) },
  { weight: 2, arbitrary: id.map((mid) => ({ value: { mid: mid.value }, valid: mid.valid })) },
  { weight: 1, arbitrary: fc.constantFrom('mid.x', 3, []).map(bad) },
);

const quickReply = fc.oneof(
  { weight: 4, arbitrary: fc.constant(ok(ABSENT)) },
  { weight: 2, arbitrary: text.map((payload) => ({ value: { payload: payload.value }, valid: payload.valid })) },
  // `quick_reply: null` is refused: when present it must be an object.
  { weight: 1, arbitrary: fc.constantFrom(null, 'yes', 1).map(bad) },
);

/** The mid of a message item, made unique per run by `prefix`. Invalid mids stay invalid. */
const midSuffix = fc.oneof(
  { weight: 8, arbitrary: oddString.map((s) => ok(`m.${s}`.slice(0, 200))) },
  { weight: 1, arbitrary: fc.constantFrom(257, 300).map((n) => bad('m'.repeat(n))) },
);

export interface Item {
  value: unknown;
  valid: boolean;
  /** The mid a valid item stores as a new message, else null. */
  storesMid: string | null;
}

const header = fc.record({ sender: metaId, recipient: metaId, timestamp });

const message = fc
  .record({ header, mid: midSuffix, midWrong: fc.option(wrongType, { freq: 10 }), text, attachments, isEcho: flag, isUnsupported: flag, replyTo, quickReply, padding })
  .map((g) => (prefix: string): Item => {
    const mid = g.midWrong !== null ? bad(g.midWrong) : { value: `${prefix}${g.mid.value}`, valid: g.mid.valid };
    const parts = [g.header.sender, g.header.recipient, g.header.timestamp, mid, g.text, g.attachments, g.isEcho, g.isUnsupported, g.replyTo, g.quickReply, g.padding];
    const valid = parts.every((p) => p.valid);
    return {
      value: {
        sender: { id: g.header.sender.value },
        recipient: { id: g.header.recipient.value },
        timestamp: g.header.timestamp.value,
        message: { mid: mid.value, text: g.text.value, attachments: g.attachments.value, is_echo: g.isEcho.value, is_unsupported: g.isUnsupported.value, reply_to: g.replyTo.value, quick_reply: g.quickReply.value, extra: g.padding.value },
      },
      valid,
      storesMid: valid ? String(mid.value) : null,
    };
  });

const postback = fc.record({ header, mid: midSuffix, title: text, payload: text }).map((g) => (prefix: string): Item => {
  const mid = { value: `${prefix}${g.mid.value}`, valid: g.mid.valid };
  const valid = [g.header.sender, g.header.recipient, g.header.timestamp, mid, g.title, g.payload].every((p) => p.valid);
  return {
    value: { sender: { id: g.header.sender.value }, recipient: { id: g.header.recipient.value }, timestamp: g.header.timestamp.value, postback: { mid: mid.value, title: g.title.value, payload: g.payload.value } },
    valid,
    storesMid: valid ? mid.value : null,
  };
});

/** Changes to messages (stored now or later): valid ones store no new message. */
const change = fc
  .record({
    header,
    target: id,
    edited: text,
    body: fc.constantFrom('react', 'bad-action', 'read', 'read-no-mid', 'read-not-object', 'edit', 'bad-edit-count', 'unsend'),
  })
  .map((g) => (): Item => {
    const mid = g.target.value;
    const bodies: Record<string, Part> = {
      react: { value: { reaction: { mid, action: 'react', reaction: 'love', emoji: '❤️' } }, valid: g.target.valid },
      'bad-action': bad({ reaction: { mid, action: 'like' } }),
      read: { value: { read: { mid } }, valid: g.target.valid },
      'read-no-mid': ok({ read: { watermark: 1 } }),
      'read-not-object': bad({ read: 'mid' }),
      edit: { value: { message_edit: { mid, text: g.edited.value, num_edit: 2 } }, valid: g.target.valid && g.edited.valid },
      'bad-edit-count': bad({ message_edit: { mid, text: 'x', num_edit: 1.5 } }),
      unsend: { value: { message: { mid, is_deleted: true } }, valid: g.target.valid },
    };
    const body = bodies[g.body];
    const valid = g.header.sender.valid && g.header.recipient.valid && g.header.timestamp.valid && body.valid;
    return { value: { sender: { id: g.header.sender.value }, recipient: { id: g.header.recipient.value }, timestamp: g.header.timestamp.value, ...(body.value as object) }, valid, storesMid: null };
  });

/** Events igbridge does not store (200, logged): known and unknown kinds, empty items. */
const ignored = fc.record({ header, kind: fc.constantFrom('delivery', 'referral', 'optin', 'unknown_kind', 'zz') }).map((g) => (): Item => ({
  value: { sender: { id: g.header.sender.value }, recipient: { id: g.header.recipient.value }, timestamp: g.header.timestamp.value, [g.kind]: { watermark: 1 } },
  valid: g.header.sender.valid && g.header.recipient.valid && g.header.timestamp.valid,
  storesMid: null,
}));

const garbageItem = fc.oneof(wrongType.filter((v) => !(typeof v === 'object' && v !== null && !Array.isArray(v))), fc.constant({ sender: { id: '1' } }), fc.constant({ recipient: { id: '1' } }), oddString).map((value) => (): Item => ({ value, valid: false, storesMid: null }));

const item = fc.oneof(
  { weight: 10, arbitrary: message },
  { weight: 2, arbitrary: postback },
  { weight: 2, arbitrary: change },
  { weight: 1, arbitrary: ignored },
  { weight: 1, arbitrary: garbageItem },
);

export interface Delivery {
  bytes: Buffer;
  /** The status the documented rules call for. */
  status: 200 | 400 | 413;
  /** Mids a 200 stores as new messages (as SQLite keeps them: UTF-8, lone surrogates replaced). */
  mids: string[];
}

const entry = fc.record({
  id: fc.oneof({ weight: 5, arbitrary: metaId }, { weight: 1, arbitrary: fc.constant(ok(ABSENT)) }),
  time: fc.oneof({ weight: 3, arbitrary: fc.constant(ok(ABSENT)) }, { weight: 1, arbitrary: timestamp }),
  messaging: fc.array(item, { maxLength: 4 }),
  changes: fc.option(fc.array(fc.tuple(fc.constantFrom('messages', 'comments', 'mentions'), item), { maxLength: 2 }), { freq: 3 }),
  /** Deep nesting anywhere in the body is refused before anything walks it, read or not. */
  padding: fc.oneof(fc.constant(ABSENT), fc.constantFrom(1_000, 50_000).map(nested)),
  messagingShape: fc.constantFrom('array', 'array', 'array', 'array', 'array', 'absent', 'object', 'string'),
});

export const delivery = fc
  .record({
    object: fc.oneof({ weight: 12, arbitrary: fc.constant(ok('instagram')) }, { weight: 1, arbitrary: fc.constantFrom('page', 'Instagram', '').map(ok) }, { weight: 1, arbitrary: fc.constantFrom(ABSENT, null, 1, []).map(bad) }),
    entries: fc.array(entry, { maxLength: 3 }),
    entryShape: fc.constantFrom('array', 'array', 'array', 'array', 'array', 'array', 'absent', 'object'),
    root: fc.constantFrom('object', 'object', 'object', 'object', 'object', 'object', 'object', 'object', 'array', 'string', 'null'),
    corruption: fc.constantFrom('none', 'none', 'none', 'none', 'none', 'none', 'none', 'none', 'truncate', 'bad-bytes-outside'),
  })
  .map((g) => withPreview((prefix: string): Delivery => {
    const mids: string[] = [];
    let valid = true;
    let e = 0;
    const entries = g.entries.map((en) => {
      const messaging = en.messaging.map((make) => make(`${prefix}e${e}.`));
      const changes = (en.changes ?? []).map(([field, make]) => ({ field, item: make(`${prefix}e${e}c.`) }));
      e++;
      const sent = en.messagingShape === 'array' ? messaging : [];
      const counted = [...sent, ...changes.filter((c) => c.field === 'messages').map((c) => c.item)];
      valid &&= en.id.valid && en.time.valid && counted.every((i) => i.valid) && en.messagingShape !== 'object' && en.messagingShape !== 'string';
      for (const i of counted) if (i.storesMid) mids.push(i.storesMid);
      const messagingValue = en.messagingShape === 'array' ? messaging.map((i) => i.value) : en.messagingShape === 'absent' ? ABSENT : en.messagingShape === 'object' ? {} : 'items';
      return { id: en.id.value, time: en.time.value, messaging: messagingValue, changes: en.changes === null ? ABSENT : changes.map((c) => ({ field: c.field, value: c.item.value })), extra: en.padding };
    });
    const body = g.root === 'object' ? { object: g.object.value, entry: g.entryShape === 'array' ? entries : g.entryShape === 'absent' ? ABSENT : {} } : g.root === 'array' ? [] : g.root === 'string' ? 'instagram' : null;
    const json = JSON.stringify(body);
    const deep = json.includes('~DEEP');
    const bytes = toBytes(json.replace(DEEP, (_, depth: string) => deepJson(Number(depth))), g.corruption);

    let status: Delivery['status'];
    if (bytes.length > 1024 * 1024) status = 413;
    else if (g.corruption !== 'none' || deep || g.root !== 'object' || !g.object.valid) status = 400;
    else if (g.object.value !== 'instagram') status = 200;
    else if (g.entryShape !== 'array' || !valid) status = 400;
    else status = 200;
    const stored = status === 200 && g.object.value === 'instagram' ? [...new Set(mids.map((mid) => asSqliteKeepsIt(decoded(mid))))] : [];
    return { bytes, status, mids: stored };
  }));

/** Failing cases are printed as the body they send, not as `[Function]`. */
function withPreview(make: (prefix: string) => Delivery): (prefix: string) => Delivery {
  return Object.assign(make, {
    [fc.toStringMethod]: () => {
      const sample = make('r?.');
      const text = sample.bytes.toString('utf8');
      return `${sample.status} ${text.length > 2_000 ? `${text.slice(0, 2_000)}… (${sample.bytes.length} bytes)` : text}`;
    },
  });
}

function toBytes(json: string, corruption: string): Buffer {
  const parts = json.split(BAD_UTF8).map((part) => Buffer.from(part, 'utf8'));
  const bytes = Buffer.concat(parts.flatMap((part, i) => (i === 0 ? [part] : [BAD_UTF8_BYTES, part])));
  if (corruption === 'truncate') return bytes.subarray(0, Math.max(0, bytes.length - 1 - (bytes.length % 7)));
  if (corruption === 'bad-bytes-outside') return Buffer.concat([bytes, BAD_UTF8_BYTES]);
  return bytes;
}

/** What a JS string becomes in a UTF-8 database: lone surrogates turn into U+FFFD. */
export function asSqliteKeepsIt(value: string): string {
  return Buffer.from(value, 'utf8').toString('utf8');
}
