import type { messages } from './schema.js';

/** A `messages` row; the domain works out the message from it (the same for both stores). */
export type MessageRow = typeof messages.$inferSelect;
export { messageFromStore as toMessage, storedWatermark as watermarkOf } from '../../domain/stored-message.js';
