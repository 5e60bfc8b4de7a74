/** The capture files under a folder of the shared test data, as paths relative to `root`. */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

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
