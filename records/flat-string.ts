/**
 * V8 keeps a string built by concatenation as a rope (a tree of its parts). Reading one character
 * flattens it, once: a rope kept as a Map key or a cached piece otherwise holds all its parts
 * (several times the memory) and is slower to hash and copy every time it is used.
 */
export function flat(s: string): string {
  s.charCodeAt(0);
  return s;
}
