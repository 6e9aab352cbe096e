/**
 * Where the first NUL character is in input from outside (a request, an import line), if anywhere.
 * PostgreSQL text and jsonb cannot hold it (SQLite would store it), so both backends refuse it at
 * the edge alike. Walked without recursion: a deeply nested JSON body must not overflow the stack.
 */
export function nulCharacterAt(value: unknown): string | null {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [v, at] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return at;
    } else if (v !== null && typeof v === 'object') {
      for (const [key, child] of Object.entries(v)) {
        const path = at ? `${at}.${key}` : key;
        if (key.includes('\u0000')) return path;
        stack.push([child, path]);
      }
    }
  }
  return null;
}
