/** Helpers for the tests on the shared real captures: listing them, and the byte-for-byte re-encode check. */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BmpFramer, BmpRouterState, encodeBmpMessage, encodeUpdate } from '@ribwatch/bmp-parser';
import { DecodeRun } from '../../bin/commands/decode.js';

/** Every .pcap/.pcapng (optionally .gz) under `dir`, relative to `root`, in directory order. */
export function captureFiles(root: string, dir = root): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) found.push(...captureFiles(root, p));
    else if (/\.pcap(ng)?(\.gz)?$/.test(name)) found.push(relative(root, p));
  }
  return found;
}

/**
 * Every message of the given captures, decoded with its router's state, re-encodes to the frame
 * byte for byte; and every Route Monitoring's UPDATE encoded again from its decoded fields (not
 * from the kept PDU bytes) gives the PDU back, so the NLRI encoders (VPLS among them) are checked
 * against real routes.
 */
export function reencodeAll(dir: string, paths: readonly string[], port?: number): { messages: number; updates: number; differ: string[] } {
  const states = new Map<string, BmpRouterState>();
  let messages = 0;
  let updates = 0;
  const differ: string[] = [];
  for (const p of paths) {
    const r = DecodeRun.read(p, readFileSync(join(dir, p)), port === undefined ? {} : { port });
    assert.ok(r.ok, `${p}: ${r.ok ? '' : r.message}`);
    for (const s of r.input.streams) {
      let state = states.get(s.router);
      if (state === undefined) states.set(s.router, (state = new BmpRouterState()));
      const framer = new BmpFramer();
      framer.push(s.data);
      for (let f = framer.next(); f !== undefined && f.ok; f = framer.next()) {
        const d = state.decode(f.frame);
        assert.ok(d.ok, `${p} offset ${f.offset}: ${d.ok ? '' : d.error.message}`);
        messages++;
        const m = d.value;
        if (Buffer.compare(encodeBmpMessage(m), f.frame) !== 0) differ.push(`${p} offset ${f.offset}: message`);
        if (m.type === 0 && m.update !== undefined) {
          updates++;
          const again = encodeUpdate({ ...m.update, attributes: { ...m.update.attributes } }, state.sessionConfigFor(m.peer));
          if (Buffer.compare(again, m.pdu) !== 0) differ.push(`${p} offset ${f.offset}: UPDATE from fields`);
        }
      }
    }
  }
  return { messages, updates, differ };
}
