/**
 * The configuration schema's building blocks (a key, its kind, a parse result, the value type of
 * a schema), apart from config/config.ts so that schema sections in files of their own
 * (alerts.ts) build their keys without importing config/config.ts, which imports them: no import
 * cycle. config/config.ts re-exports everything here.
 */

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly expected: string };

/** How one key's value is read (from YAML or from environment text) and shown (docs, example). */
export interface ConfigKind<T> {
  /** Shown in the reference: "HOST:PORT", "integer ≥ 1". */
  readonly type: string;
  fromYaml(raw: unknown): Parsed<T>;
  fromText(text: string): Parsed<T>;
  /** The value as plain YAML data (for the example file and the reference). */
  toYaml(v: T): unknown;
}

export class ConfigKey<T> {
  constructor(
    readonly kind: ConfigKind<T>,
    readonly defaultValue: T,
    readonly description: string,
  ) {}
}

/** The value type of a schema (section): each key's value type, sections nested. */
export type ConfigOf<S> = { readonly [K in keyof S]: S[K] extends ConfigKey<infer T> ? T : ConfigOf<S[K]> };
