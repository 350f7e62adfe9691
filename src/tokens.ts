/** Dependency-injection tokens: one per port and per shared resource. */
export const TOKENS = {
  Config: Symbol('Config'),
  Logger: Symbol('Logger'),
  Clock: Symbol('Clock'),
  SqliteDatabase: Symbol('SqliteDatabase'),
  MessageStore: Symbol('MessageStore'),
  ConversationReader: Symbol('ConversationReader'),
  MessageMirror: Symbol('MessageMirror'),
  CrmStatus: Symbol('CrmStatus'),
  MessageSender: Symbol('MessageSender'),
  Metrics: Symbol('Metrics'),
  MetricsExporter: Symbol('MetricsExporter'),
  ChangeFeed: Symbol('ChangeFeed'),
  ProfileLookup: Symbol('ProfileLookup'),
  ProfileCache: Symbol('ProfileCache'),
  ReceiveMessage: Symbol('ReceiveMessage'),
  SendMessage: Symbol('SendMessage'),
} as const;
