// Content codings a client accepts (Accept-Encoding, RFC 9110 §12.5.3), for the routes that hold
// their bytes already compressed (tiles, /assets) rather than leaving it to compress().

/** Whether the header takes `coding`: named (gzip also as x-gzip), or covered by `*`, with a q-value above 0. */
export function acceptsCoding(header: string | undefined, coding: 'gzip' | 'br'): boolean {
  const weights = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    weights.set(name.trim(), q ? Number(q.slice(2)) || 0 : 1);
  }
  const named = weights.get(coding) ?? (coding === 'gzip' ? weights.get('x-gzip') : undefined);
  return (named ?? weights.get('*') ?? 0) > 0;
}
