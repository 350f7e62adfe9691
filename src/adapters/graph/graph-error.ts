import { DomainError } from '../../domain/errors.js';

/** Meta's error object, as its Graph API returns it under `error`. */
export interface MetaError {
  code: number | null;
  error_subcode: number | null;
  message: string | null;
  type: string | null;
  fbtrace_id: string | null;
}

export type GraphErrorReason =
  | 'token_invalid' | 'outside_window' | 'rate_limited' | 'temporary' | 'recipient_unavailable'
  | 'permission_denied' | 'invalid_parameter' | 'refused' | 'invalid_response';

const EXPLAINED: Array<{ match: (e: MetaError) => boolean; reason: GraphErrorReason; text: string }> = [
  { match: (e) => e.code === 190, reason: 'token_invalid', text: "The account's access token is invalid or has expired: generate a new one and add it (npm run accounts -- add --token <token>, or IG_ACCESS_TOKEN)." },
  {
    match: (e) => e.code === 10 || e.error_subcode === 2534022,
    reason: 'outside_window',
    text: "Outside the messaging window: Instagram allows replies within 24 hours of the customer's last message (up to 7 days with \"tag\": \"HUMAN_AGENT\" where the app has that permission).",
  },
  { match: (e) => e.code === 4 || e.code === 17 || e.code === 613 || e.code === 32, reason: 'rate_limited', text: 'Rate limited by Meta: wait before sending again.' },
  {
    match: (e) => e.code === 1 || e.code === 2,
    reason: 'temporary',
    text: 'Meta reported a temporary error. The message may still have gone out (Meta documents this for code 1): check the conversation, where its echo appears if it was delivered, before sending again.',
  },
  { match: (e) => e.code === 551 || e.error_subcode === 1545041, reason: 'recipient_unavailable', text: 'The recipient is not available (blocked the account, deactivated, or cannot be messaged).' },
  { match: (e) => e.code === 200 || e.code === 3 || (e.code !== null && e.code >= 200 && e.code < 300), reason: 'permission_denied', text: 'The access token lacks the permission for this call (instagram_business_manage_messages / instagram_manage_messages).' },
  { match: (e) => e.code === 100, reason: 'invalid_parameter', text: 'Meta rejected a parameter (often an unknown recipient id or an image URL it cannot fetch).' },
];

/** A Graph API call that failed. `code` is igbridge's stable code; Meta's own is in `details.graph`. */
export class GraphError extends DomainError {
  constructor(
    code: 'graph_error' | 'graph_timeout' | 'graph_unreachable',
    message: string,
    readonly reason: GraphErrorReason | 'timeout' | 'unreachable',
    readonly meta: MetaError | null = null,
    extra: Record<string, unknown> = {},
  ) {
    super(code, message, { reason, ...(meta ? { graph: meta } : {}), ...extra });
    this.name = 'GraphError';
  }

  /** Meta answered with an `error` object. */
  static fromMeta(meta: MetaError, httpStatus: number): GraphError {
    const known = EXPLAINED.find((entry) => entry.match(meta));
    const what = `Meta code ${meta.code ?? '?'}${meta.error_subcode ? `/${meta.error_subcode}` : ''}`;
    const text = known?.text ?? 'Meta refused the request.';
    return new GraphError('graph_error', `${text} (${what}: ${meta.message ?? 'no message'})`, known?.reason ?? 'refused', meta, { http_status: httpStatus });
  }
}

/** Reads `{"error": {...}}` from a Graph answer; null when it has no error object. */
export function metaError(body: unknown): MetaError | null {
  if (typeof body !== 'object' || body === null || !('error' in body)) return null;
  const error = (body as { error: unknown }).error;
  if (typeof error !== 'object' || error === null) return null;
  const e = error as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null);
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return { code: num(e.code), error_subcode: num(e.error_subcode), message: str(e.message), type: str(e.type), fbtrace_id: str(e.fbtrace_id) };
}
