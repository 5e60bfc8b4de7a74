/** The schema rendered for people: the reference table of docs/configuration.md and deploy/ribwatch.example.yaml. */
import { stringify } from 'yaml';
import { configEntries } from './config.js';

function yamlInline(v: unknown): string {
  return stringify(v, { flow: true, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' }).trim();
}

/** The reference table for docs/configuration.md. */
export function renderConfigReference(): string {
  const out: string[] = [];
  let section = '';
  for (const e of configEntries()) {
    const s = e.path.split('.')[0] ?? '';
    if (s !== section) {
      section = s;
      out.push('', `### \`${s}\``, '', '| key | environment | type | default | description |', '|---|---|---|---|---|');
    }
    const def = yamlInline(e.key.kind.toYaml(e.key.defaultValue)).replace(/\|/g, '\\|');
    out.push(`| \`${e.path}\` | \`${e.env}\` | ${e.key.kind.type.replace(/\|/g, '\\|')} | \`${def}\` | ${e.key.description.replace(/\|/g, '\\|')} |`);
  }
  return `${out.join('\n').trim()}\n`;
}

/** A complete config file with every key at its default, each described in a comment. */
export function renderExampleConfig(): string {
  const out = [
    '# ribwatch configuration: every key with its default value.',
    '# Each key can be overridden by an environment variable, named in the comment above it.',
    '# Generated from the schema in config/config.ts (config/render.ts); docs/configuration.md explains the keys.',
  ];
  let open: string[] = [];
  for (const e of configEntries()) {
    const segs = e.path.split('.');
    const parents = segs.slice(0, -1);
    // Open every section header this key needs that the previous key did not (nested sections indent).
    let same = 0;
    while (same < parents.length && same < open.length && parents[same] === open[same]) same++;
    for (let d = same; d < parents.length; d++) {
      if (d === 0) out.push('');
      out.push(`${'  '.repeat(d)}${parents[d] ?? ''}:`);
    }
    open = parents;
    const pad = '  '.repeat(parents.length);
    out.push(`${pad}# ${e.key.description}`, `${pad}# env: ${e.env}`, `${pad}${segs.at(-1) ?? ''}: ${yamlInline(e.key.kind.toYaml(e.key.defaultValue))}`);
  }
  return `${out.join('\n')}\n`;
}
