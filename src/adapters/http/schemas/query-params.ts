import Type from 'typebox';
import { META_ID_RULE } from '../../../domain/meta-id.js';

/** The read API's query parameters: query.ts reads them by these, the OpenAPI document shows them. */
export const LIMIT = { minimum: 1, maximum: 200, default: 50 } as const;
export const Limit = Type.Integer(LIMIT);

/** An account (`account_id`) or customer (`userId`) id in a URL: a Meta id. */
export const MetaIdParam = Type.String({ pattern: '^[0-9]{1,32}$', description: `A Meta id: ${META_ID_RULE}` });

export const Before = Type.String({ description: 'A `next_before` cursor, an ISO date or milliseconds' });
