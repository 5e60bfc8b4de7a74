/**
 * The API's error catalogue: every error a client can get, each with a stable RW_API_* code, an
 * HTTP status and what it means. Codes are never reused or renamed (clients match on them);
 * docs/api.md lists them, and test/unit/api-errors.test.ts keeps the two in step.
 *
 * Every error body has one shape, `{"code", "message", "status"}`: `message` says what was wrong
 * with which parameter, in words a caller can act on; it never carries SQL or stack traces.
 */

export interface ErrorDef {
  readonly status: number;
  /** What the code means, for docs/api.md. */
  readonly meaning: string;
}

export const API_ERRORS = {
  RW_API_BAD_PARAMETER: { status: 400, meaning: 'A parameter or body field does not match its schema (type, range, length, unknown name); the message names it.' },
  RW_API_BAD_PREFIX: { status: 400, meaning: 'Not an IPv4/IPv6 prefix or address ("10.0.0.0/8", "2001:db8::/32", "10.1.2.3").' },
  RW_API_BAD_ADDRESS: { status: 400, meaning: 'Not an IPv4 or IPv6 address (peer, router).' },
  RW_API_BAD_ASN: { status: 400, meaning: 'Not an AS number: 0..4294967295, as "65001", "AS65001" or asdot "1.10".' },
  RW_API_BAD_COMMUNITY: { status: 400, meaning: 'Not a community: "65001:100", a well-known name ("NO_EXPORT"), or a large community "a:b:c".' },
  RW_API_BAD_TIME: { status: 400, meaning: 'Not an RFC 3339 time or duration ("15m", "1h", "7d"), or from is not before to.' },
  RW_API_RANGE_TOO_WIDE: { status: 400, meaning: 'The time range or window is wider than api.maxRangeHours allows.' },
  RW_API_PREFIX_TOO_SHORT: { status: 400, meaning: 'A more-specific lookup under a prefix shorter than /8 (IPv4) or /16 (IPv6), or under ::/16: that is most of the table, not a lookup.' },
  RW_API_BAD_CURSOR: { status: 400, meaning: 'The `cursor` is not one this API handed out as `next` for this list.' },
  RW_API_BAD_BODY: { status: 400, meaning: 'The request body is not valid JSON, or a silence is not valid (the message lists every problem).' },
  RW_API_UNAUTHENTICATED: { status: 401, meaning: 'No bearer token, or one that matches no configured token.' },
  RW_API_FORBIDDEN: { status: 403, meaning: 'The token is valid but its scope is read and the route needs admin.' },
  RW_API_NOT_FOUND: { status: 404, meaning: 'No such route, alert or silence.' },
  RW_API_METHOD_NOT_ALLOWED: { status: 405, meaning: 'The path exists but not with this method; the Allow header lists the methods it has.' },
  RW_API_CONFLICT: { status: 409, meaning: 'The alert cannot change that way (e.g. acknowledging a resolved alert).' },
  RW_API_BODY_TOO_LARGE: { status: 413, meaning: 'The request body is larger than api.bodyLimitBytes.' },
  RW_API_UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'A request body that is not application/json.' },
  RW_API_RATE_LIMITED: { status: 429, meaning: 'More requests per minute from this address than api.rateLimitPerMinute; Retry-After says when to come back.' },
  RW_API_INTERNAL: { status: 500, meaning: 'A bug; the server log has the details under the request id.' },
  RW_API_STORE_UNAVAILABLE: { status: 503, meaning: 'ClickHouse did not answer or failed the query; retry later.' },
  RW_API_NOT_AVAILABLE: { status: 503, meaning: 'The feature needs the analyzer in this process (`ribwatch run`): acknowledging alerts and managing silences.' },
} as const satisfies Readonly<Record<string, ErrorDef>>;

export type ApiErrorCode = keyof typeof API_ERRORS;

export const API_ERROR_CODES = Object.keys(API_ERRORS) as ApiErrorCode[];

export class ApiError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = API_ERRORS[code].status;
  }
}

/** The body every error answers with. */
export interface ErrorBody {
  readonly code: ApiErrorCode;
  readonly message: string;
  readonly status: number;
}

export function errorBody(e: ApiError): ErrorBody {
  return { code: e.code, message: e.message, status: e.statusCode };
}

/** Shorthands for the common 400s: `bad('RW_API_BAD_PREFIX', 'prefix', '"x" is not ...')`. */
export function bad(code: ApiErrorCode, param: string, why: string): ApiError {
  return new ApiError(code, `${param}: ${why}`);
}
