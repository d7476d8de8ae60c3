// How deep a parsed JSON body nests, counted without recursion: a body nested thousands deep
// (10 KB is enough) overflowed the stack of the recursive code after it (audit redaction, digests).
export const MAX_BODY_DEPTH = 64;

/** True when `value` nests objects/arrays deeper than `limit` levels. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}
