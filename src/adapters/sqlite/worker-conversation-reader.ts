import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { ConversationReader, ConversationSummary, Cursor, MessagePage } from '../../application/ports/conversation-reader.js';
import type { Metrics } from '../../application/ports/metrics.js';
import type { Message } from '../../domain/message.js';
import { DomainError } from '../../domain/errors.js';
import type { ReadMethod, ReadReply, ReadRequest } from './read-worker.js';
import { siblingModule, spawnWorker } from './spawn-worker.js';

export interface ReadWorkerOptions {
  /** The service's SQLite file (the worker opens it read-only). */
  path: string;
  busyTimeoutMs: number;
  /** Reads waiting for the worker at most; beyond, `503 store_busy` (the client retries). */
  maxQueued: number;
}

/** Reads the worker is asked for at most at once, by default: eight inbox tabs' worth many times over. */
export const MAX_QUEUED_READS = 256;

type Waiting = { resolve: (value: unknown) => void; reject: (error: Error) => void };

/**
 * The read API off the webhook's thread: every query of the inbox and the API (whose cost grows
 * with the history) runs in one worker thread with its own read-only connection; this thread
 * only passes the question and the answer. The queue is bounded (MAX_QUEUED_READS, metric
 * `igbridge_limit_in_use{resource="read_queue"}`); a worker that dies fails the reads it held
 * and is started again by the next read. `ping` — a write — stays on the service's connection.
 */
export class WorkerConversationReader implements ConversationReader {
  private worker: Worker | null = null;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;
  private closed = false;

  constructor(
    private readonly writer: Pick<ConversationReader, 'ping'>,
    private readonly options: ReadWorkerOptions,
    private readonly metrics: Pick<Metrics, 'limitInUse'>,
    private readonly logger: Logger,
  ) {}

  ping(): Promise<void> {
    return this.writer.ping();
  }

  conversations(options: { limit: number; before: Cursor | null; accountId?: string | null }): Promise<ConversationSummary[]> {
    return this.ask('conversations', [options]);
  }

  messages(userId: string, options: { limit: number; before: Cursor | null; accountId?: string | null }): Promise<MessagePage> {
    return this.ask('messages', [userId, options]);
  }

  accountsOf(userId: string): Promise<string[]> {
    return this.ask('accountsOf', [userId]);
  }

  message(mid: string): Promise<Message | null> {
    return this.ask('message', [mid]);
  }

  /** Stops the worker; reads still waiting fail. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    this.failAll(new Error('the service is stopping'));
    await worker?.terminate();
  }

  private ask<T>(method: ReadMethod, args: unknown[]): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the service is stopping'));
    if (this.waiting.size >= this.options.maxQueued) {
      return Promise.reject(new DomainError('store_busy', `${this.options.maxQueued} reads are waiting for the local database already; retry later`));
    }
    const id = ++this.nextId;
    const answer = new Promise<T>((resolve, reject) => this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject }));
    this.metrics.limitInUse('read_queue', this.waiting.size);
    (this.worker ??= this.start()).postMessage({ id, method, args } satisfies ReadRequest);
    return answer;
  }

  private start(): Worker {
    const { path, busyTimeoutMs } = this.options;
    const worker = spawnWorker(siblingModule('read-worker', import.meta.url), { workerData: { path, busyTimeoutMs } });
    worker.on('message', (reply: ReadReply) => {
      const waiting = this.waiting.get(reply.id);
      if (!waiting) return;
      this.waiting.delete(reply.id);
      this.metrics.limitInUse('read_queue', this.waiting.size);
      if ('error' in reply) waiting.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
      else waiting.resolve(reply.result);
    });
    const lost = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.logger.error({ err: error }, 'the read worker stopped; the reads it held failed, the next read starts a new one');
      this.failAll(error);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`the read worker exited with code ${code}`)));
    return worker;
  }

  private failAll(error: Error): void {
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
    this.metrics.limitInUse('read_queue', 0);
  }
}
