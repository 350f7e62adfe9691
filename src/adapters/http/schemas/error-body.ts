import Type, { type Static } from 'typebox';

/** Meta's error, passed on from the Send API. */
export const GraphError = Type.Object(
  {
    code: Type.Union([Type.Integer(), Type.Null()], { description: '190 token invalid; 10 with subcode 2534022 outside the 24-hour window; 4, 17 throttled; 1, 2 temporary' }),
    error_subcode: Type.Union([Type.Integer(), Type.Null()]),
    message: Type.Union([Type.String(), Type.Null()]),
    type: Type.Union([Type.String(), Type.Null()]),
    fbtrace_id: Type.Union([Type.String(), Type.Null()]),
  },
  { description: "Meta's error, passed on from the Send API" },
);

/** Every error answer: `{"error": {"code", "message", …details}}` (error-middleware.ts writes it). */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code, e.g. `unauthorized`, `invalid_signature`, `invalid_payload`, `graph_error`' }),
      message: Type.String({ description: 'What went wrong, for a person' }),
      field: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'The body field a 400 `invalid_request` is about' })),
      path: Type.Optional(Type.String({ description: 'The value a 400 `invalid_payload` is about, e.g. `entry[0].messaging[2].sender.id`' })),
      reason: Type.Optional(
        Type.String({
          description:
            'Graph errors: token_invalid, outside_window, rate_limited, temporary, recipient_unavailable, permission_denied, invalid_parameter, refused, invalid_response, timeout, unreachable',
        }),
      ),
      graph: Type.Optional(GraphError),
    }),
  },
  { examples: [{ error: { code: 'unauthorized', message: 'missing bearer token (Authorization: Bearer <API_TOKEN>)' } }] },
);

/** `/readyz` when the store cannot write: the error body with the old top-level fields kept. */
export const NotReady = Type.Object({
  status: Type.Literal('error'),
  store: Type.Enum(['sqlite', 'postgresql']),
  sqlite: Type.Optional(Type.Literal('error')),
  postgresql: Type.Optional(Type.Literal('error')),
  reason: Type.String(),
  error: ErrorBody.properties.error,
});

export type ErrorBody = Static<typeof ErrorBody>;
export type NotReadyAnswer = Static<typeof NotReady>;
