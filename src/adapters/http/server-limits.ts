import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Metrics } from '../../application/ports/metrics.js';
import type { LimitsConfig } from '../../config.js';
import { RefusalLog } from './refusal-log.js';

/** Request headers must be complete within this. */
export const HEADERS_TIMEOUT_MS = 10_000;
/** Idle keep-alive connections close after this (above the 60 s of common load balancers). */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

const CLIENT_ERROR_STATUS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'headers_too_large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request_timeout'],
};

/**
 * The connection-level limits of SPEC §9 on the Node server: header, request and keep-alive
 * timeouts, HTTP_MAX_CONNECTIONS, and a plain JSON `400` for requests Node cannot parse, told in
 * the log by a structured warn line (no stack trace) once a minute per kind (RefusalLog).
 */
export function limitServer(server: Server, limits: Pick<LimitsConfig, 'bodyTimeoutMs' | 'maxConnections'>, logger: Logger, metrics: Metrics): void {
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = HEADERS_TIMEOUT_MS + limits.bodyTimeoutMs;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.maxConnections = limits.maxConnections;

  let open = 0;
  server.on('connection', (socket: Socket) => {
    metrics.limitInUse('http_connections', ++open);
    socket.once('close', () => metrics.limitInUse('http_connections', --open));
  });
  server.on('drop', () => metrics.limitRefusal('max_connections'));

  const refusals = new RefusalLog(logger);
  server.on('clientError', (error: NodeJS.ErrnoException & { bytesParsed?: number }, socket: Socket) => {
    const code = error.code ?? 'unknown';
    if (code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, errorCode] = CLIENT_ERROR_STATUS[code] ?? [400, 'malformed_request'];
    metrics.limitRefusal(errorCode);
    refusals.refused(errorCode, { status, code, reason: error.message, bytesParsed: error.bytesParsed, remote: socket.remoteAddress }, 'malformed HTTP request refused; counted in igbridge_limit_refusals_total');
    const body = JSON.stringify({ error: { code: errorCode, message: `the request could not be read as HTTP (${code})` } });
    socket.end(
      `HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : status === 408 ? 'Request Timeout' : 'Request Header Fields Too Large'}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
