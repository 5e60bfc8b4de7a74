/** What the notification channels are configured with: throttles, delivery retries, endpoints. */

export interface ChannelThrottle {
  /** Token bucket: messages per second, and the burst. Slack allows about 1/s per webhook. */
  readonly messagesPerSecond: number;
  readonly burst: number;
}

export interface DeliveryOptions {
  /** Bounded queue per channel; when full the oldest waiting message is dropped (counted, logged). */
  readonly queueSize: number;
  /** Attempts per message, the first included; then it is given up (counted, logged). */
  readonly maxAttempts: number;
  /** Exponential backoff with full jitter: base, doubled per attempt, capped. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** A 429's Retry-After is honoured up to this. */
  readonly maxRetryAfterMs: number;
  /** Per HTTP request. */
  readonly requestTimeoutMs: number;
}

export interface SlackOptions extends ChannelThrottle {
  /** Incoming webhook URL (a secret: it is the credential). "" = off. */
  readonly webhookUrl: string;
  /** Bot token (xoxb-…) for the Web API; with `channel`, chat.postMessage + thread replies + chat.update. "" = off. */
  readonly botToken: string;
  readonly channel: string;
  /** Web API base URL (tests point it at a local server). */
  readonly apiUrl: string;
}

export interface WebhookOptions extends ChannelThrottle {
  readonly url: string;
  /** HMAC-SHA256 key; "" sends unsigned. */
  readonly secret: string;
}

/** The part of the alerting options the channels read. */
export interface NotifyOptions {
  readonly delivery: DeliveryOptions;
  readonly slack: SlackOptions;
  readonly webhook: WebhookOptions;
}
