/**
 * Loading the configuration: schema default < YAML file < environment < command line, every
 * problem reported at once, each naming its source and key (config.ts says why). Renamed keys
 * and values (RENAMED_KEYS, RENAMED_VALUES in config.ts) still load, with one warning each
 * naming the new name.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { RENAMED_VALUES, configEntries, envName, formerPaths, renamedPath } from './config.js';
import type { Config, ConfigEntry } from './config.js';

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.length === 1 ? (problems[0] ?? '') : `configuration has ${problems.length} problems:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  /** The YAML file; absent means defaults + environment only. */
  readonly file?: string;
  /** Text of the file (tests); `file` is then only the name shown in messages. */
  readonly text?: string;
  /** Environment to read RIBWATCH_* from (default: none, so tests are hermetic; the CLI passes process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Command-line overrides by key path, as text ("collector.listen" → "0.0.0.0:11019"). */
  readonly overrides?: Readonly<Record<string, string>>;
}

export interface Loaded {
  readonly config: Config;
  /** Things worth a log line that are not errors (unknown RIBWATCH_* variables). */
  readonly warnings: readonly string[];
}

function show(raw: unknown): string {
  if (raw === null || raw === undefined) return 'nothing';
  const s = JSON.stringify(raw);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** A value with renamed items (RENAMED_VALUES) in their current names; a warning for each old one. */
function currentValues(path: string, raw: unknown, source: string, warnings: string[]): unknown {
  const renames = RENAMED_VALUES[path];
  if (!renames) return raw;
  const one = (v: unknown): unknown => {
    const now = typeof v === 'string' ? renames[v.trim()] : undefined;
    if (now === undefined) return v;
    warnings.push(`${source}: ${path}: ${JSON.stringify(typeof v === 'string' ? v.trim() : v)} is deprecated, use ${JSON.stringify(now)}`);
    return now;
  };
  return Array.isArray(raw) ? (raw as unknown[]).map(one) : one(raw);
}

/** The same for environment or command-line text (a comma-separated list or one word). */
function currentText(path: string, text: string, source: string, warnings: string[]): string {
  if (!RENAMED_VALUES[path]) return text;
  return text
    .split(',')
    .map((part) => String(currentValues(path, part, source, warnings)))
    .join(',');
}

/** Environment variables that are not configuration keys but belong to ribwatch. */
const NON_KEY_ENV = new Set(['RIBWATCH_CONFIG']);

export function loadConfig(opts: LoadOptions = {}): Loaded {
  const entries = configEntries();
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const values = new Map<string, unknown>(entries.map((e) => [e.path, e.key.defaultValue]));
  const problems: string[] = [];
  const warnings: string[] = [];

  if (opts.file !== undefined || opts.text !== undefined) {
    const label = opts.file !== undefined ? basename(opts.file) : 'config';
    let text = opts.text;
    if (text === undefined && opts.file !== undefined) {
      try {
        text = readFileSync(opts.file, 'utf8');
      } catch (err) {
        throw new ConfigError([`${opts.file}: cannot read: ${err instanceof Error ? err.message : String(err)}`]);
      }
    }
    readYaml(text ?? '', label, byPath, values, problems, warnings);
  }

  const env = opts.env ?? {};
  const envByName = new Map(entries.map((e) => [e.env, e]));
  const formerEnv = new Map(entries.flatMap((e) => formerPaths(e.path).map((old) => [envName(old), e] as const)));
  // Renamed variables first, so that the current name wins when both are set.
  const envPairs = Object.entries(env).sort(([a], [b]) => Number(formerEnv.has(b)) - Number(formerEnv.has(a)));
  for (const [name, given] of envPairs) {
    if (!name.startsWith('RIBWATCH_') || given === undefined) continue;
    let e = envByName.get(name);
    if (!e) {
      e = formerEnv.get(name);
      if (e) warnings.push(`environment ${name} is deprecated, use ${e.env} (${e.path})`);
    }
    if (!e) {
      if (!NON_KEY_ENV.has(name)) warnings.push(`${name}: not a configuration key (ignored)`);
      continue;
    }
    const text = currentText(e.path, given, `environment ${name}`, warnings);
    const r = e.key.kind.fromText(text);
    if (r.ok) values.set(e.path, r.value);
    else problems.push(`environment ${name}: ${e.path}: expected ${r.expected}, got ${show(text)}`);
  }

  for (const [given, givenText] of Object.entries(opts.overrides ?? {})) {
    const now = byPath.has(given) ? undefined : renamedPath(given);
    if (now !== undefined && byPath.has(now)) warnings.push(`command line: ${given} is deprecated, use ${now}`);
    const path = now ?? given;
    const e = byPath.get(path);
    if (!e) {
      problems.push(`command line: ${given}: unknown key`);
      continue;
    }
    const text = currentText(path, givenText, 'command line', warnings);
    const r = e.key.kind.fromText(text);
    if (r.ok) values.set(path, r.value);
    else problems.push(`command line: ${path}: expected ${r.expected}, got ${show(text)}`);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return { config: assemble(values), warnings };
}

function readYaml(text: string, label: string, byPath: ReadonlyMap<string, ConfigEntry>, values: Map<string, unknown>, problems: string[], warnings: string[]): void {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const at = lines.linePos(e.pos[0]);
      problems.push(`${label}:${at.line}:${at.col}: ${e.message.split('\n')[0] ?? e.message}`);
    }
    return;
  }
  const where = (n: YamlNode | null | undefined): string => {
    const off = n?.range?.[0];
    return off === undefined ? '' : ` (line ${lines.linePos(off).line})`;
  };
  const sections = new Set([...byPath.keys()].flatMap((p) => p.split('.').slice(0, -1).map((_, i, a) => a.slice(0, i + 1).join('.'))));
  const walk = (node: unknown, prefix: string): void => {
    if (node === null || node === undefined || (isScalar(node) && node.value === null)) return; // "collector:" with nothing under it
    if (!isMap(node)) {
      problems.push(`${label}: ${prefix === '' ? '(top level)' : prefix}: expected a mapping of keys${where(node as YamlNode)}`);
      return;
    }
    for (const pair of node.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const given = prefix === '' ? k : `${prefix}.${k}`;
      const now = byPath.has(given) || sections.has(given) ? undefined : renamedPath(given);
      if (now !== undefined && (byPath.has(now) || sections.has(now))) warnings.push(`${label}: ${given} is deprecated, use ${now}${where(pair.key as YamlNode)}`);
      const path = now ?? given;
      const entry = byPath.get(path);
      if (entry) {
        const v = pair.value;
        const raw: unknown = currentValues(path, isScalar(v) || isSeq(v) || isMap(v) ? v.toJSON() : v, label, warnings);
        const r = entry.key.kind.fromYaml(raw);
        if (r.ok) values.set(path, r.value);
        else problems.push(`${label}: ${path}: expected ${r.expected}, got ${show(raw)}${where(v as YamlNode)}`);
      } else if (sections.has(path)) {
        walk(pair.value, path);
      } else {
        const known = [...byPath.keys(), ...sections]
          .filter((p) => p.startsWith(prefix === '' ? '' : `${prefix}.`) && p.split('.').length === path.split('.').length)
          .map((p) => p.split('.').pop());
        problems.push(`${label}: ${path}: unknown key (known here: ${[...new Set(known)].join(', ')})${where(pair.key as YamlNode)}`);
      }
    }
  };
  walk(doc.contents, '');
}

function assemble(values: ReadonlyMap<string, unknown>): Config {
  const root: Record<string, unknown> = {};
  for (const [path, v] of values) {
    const segs = path.split('.');
    let at = root;
    for (const s of segs.slice(0, -1)) at = (at[s] ??= {}) as Record<string, unknown>;
    at[segs[segs.length - 1] ?? ''] = v;
  }
  // The shape is built from the schema's own paths, so it is a Config by construction.
  return root as unknown as Config;
}

/** The configuration with every key at its default. */
export function defaultConfig(): Config {
  return loadConfig().config;
}
