/**
 * Objects from files: what `kubectl get nodes,services,endpointslices,… -A -o yaml` (or `-o json`)
 * writes — a `v1 List` whose items are the objects, a typed list (`NodeList`), a single object, or
 * several YAML documents — for air-gapped sites, audits of a past state, and tests.
 *
 * Nothing in a file stops the others: a file that cannot be read or parsed is one problem, a
 * malformed object is one problem naming it, and every good object is kept. Kinds ribwatch does
 * not read (Pods, ConfigMaps …) are counted and ignored.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseObject } from './objects.js';
import type { KubeObject } from './objects.js';

export interface ObjectsFromText {
  readonly objects: KubeObject[];
  /** One line per problem: "nodes.yaml: Node node3: spec.podCIDRs[0]: expected a CIDR, got \"x\"". */
  readonly problems: string[];
  /** Objects of kinds ribwatch does not read. */
  readonly ignored: number;
}

function collect(doc: unknown, label: string, out: ObjectsFromText & { ignored: number }): void {
  if (doc === null || doc === undefined) return;
  if (typeof doc === 'object' && !Array.isArray(doc)) {
    const d = doc as Record<string, unknown>;
    const kind = typeof d['kind'] === 'string' ? d['kind'] : '';
    if (kind === 'List' || (kind.endsWith('List') && Array.isArray(d['items']))) {
      const items = d['items'];
      if (!Array.isArray(items)) {
        out.problems.push(`${label}: a ${kind} without an items list`);
        return;
      }
      // A typed list (NodeList) leaves apiVersion and kind off its items: take them from the list.
      const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
      for (const item of items as unknown[]) {
        const withKind = itemKind !== undefined && typeof item === 'object' && item !== null && !('kind' in item) ? { apiVersion: d['apiVersion'], kind: itemKind, ...item } : item;
        collect(withKind, label, out);
      }
      return;
    }
  }
  const r = parseObject(doc);
  if (r.ok === true) out.objects.push(r.object);
  else if (r.ok === 'ignored') out.ignored++;
  else out.problems.push(`${label}: ${r.problem}`);
}

/** Parses JSON or (multi-document) YAML text; never throws. */
export function objectsFromText(text: string, label: string): ObjectsFromText {
  const out = { objects: [] as KubeObject[], problems: [] as string[], ignored: 0 };
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const v: unknown = JSON.parse(text);
      for (const d of Array.isArray(v) ? v : [v]) collect(d, label, out);
      return out;
    } catch {
      // Not JSON after all (YAML flow style): YAML below says what is wrong.
    }
  }
  for (const doc of parseAllDocuments(text, { prettyErrors: false })) {
    if (doc.errors.length > 0) {
      out.problems.push(`${label}: ${doc.errors[0]?.message.split('\n')[0] ?? 'YAML error'}`);
      continue;
    }
    collect(doc.toJS({ maxAliasCount: 100 }), label, out);
  }
  return out;
}

export function objectsFromFile(file: string): ObjectsFromText {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { objects: [], problems: [`${basename(file)}: cannot read: ${e instanceof Error ? e.message : String(e)}`], ignored: 0 };
  }
  return objectsFromText(text, basename(file));
}
