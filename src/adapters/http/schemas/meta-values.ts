import Type from 'typebox';
import { META_ID_RULE } from '../../../domain/meta-id.js';

/** The values Meta's webhook JSON is made of, each with the sentence its refusal gives. */

/** Instagram caps a DM at 1,000 characters; 64 KiB is what a CRM `TEXT` column holds. */
export const MAX_TEXT_BYTES = 65_535;
const MAX_ID_LENGTH = 256;
const MAX_URL_LENGTH = 8_192;
/** Latest time accepted, in milliseconds (the end of JavaScript's dates). */
const MAX_MILLIS = 8.64e15;

const WholeNumber = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

/** A Meta id (IGSID, account id): 1–32 ASCII digits, as a string or a whole JSON number. */
export const MetaId = Type.Union([Type.String({ pattern: '^[0-9]{1,32}$' }), WholeNumber], {
  description: `A Meta id: ${META_ID_RULE}, or the same as a whole number`,
  errorMessage: `must be a Meta id (${META_ID_RULE})`,
});

/** A message id (`mid`) or a story id: any non-empty string up to 256 characters, or a whole number. */
export const Id = Type.Union([Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH }), WholeNumber], {
  errorMessage: `must be a non-empty string of at most ${MAX_ID_LENGTH} characters`,
});

const fitsText = (value: string) => (value.length * 3 <= MAX_TEXT_BYTES || Buffer.byteLength(value, 'utf8') <= MAX_TEXT_BYTES) && !value.includes('\u0000');

/** Text as a person wrote it: at most 65,535 UTF-8 bytes, no NUL; null or absent when there is none. */
export const Text = Type.Optional(
  Type.Union([
    Type.Refine(Type.String({ description: `At most ${MAX_TEXT_BYTES} UTF-8 bytes, no NUL` }), fitsText, (value) =>
      value.includes('\u0000') ? 'must not contain NUL characters' : `must be at most ${MAX_TEXT_BYTES} bytes`,
    ),
    Type.Null(),
  ]),
);

export const Url = Type.Optional(Type.Union([Type.String({ maxLength: MAX_URL_LENGTH }), Type.Null()]));

/** Meta sends milliseconds; the App Dashboard's test button seconds, as a string (see domain/timestamp.ts). */
export const Timestamp = Type.Union(
  [
    Type.Number({ minimum: 0, maximum: MAX_MILLIS }),
    Type.Refine(Type.String({ pattern: '^\\s*\\d+(\\.\\d+)?\\s*$' }), (value) => Number(value) < 1e11 || Number(value) <= MAX_MILLIS),
  ],
  { description: 'Milliseconds since the epoch (below 10^11: seconds), as a number or a digit string', errorMessage: 'must be a timestamp in milliseconds or seconds' },
);

export const Flag = Type.Optional(Type.Union([Type.Boolean(), Type.Null()], { errorMessage: 'must be true or false' }));

export const NonNegativeWhole = Type.Union([WholeNumber, Type.Null()], { errorMessage: 'must be a whole number' });
