/** Meta's ids (Instagram-scoped user ids, account ids) are 1 to 32 ASCII digits. */
const META_ID = /^[0-9]{1,32}$/;

/**
 * Whether `value` can be a Meta id. Ids reach SQL, Graph URL paths and the inbox, so anything
 * else (`..`, `me/messages`, a 10 kB string) is refused where it enters.
 */
export function isMetaId(value: string): boolean {
  return META_ID.test(value);
}

export const META_ID_RULE = '1 to 32 ASCII digits';
