// A browsable API reference rendered on the server from the OpenAPI document: operations by
// tag with their parameters and responses. Plain HTML and CSS, no scripts or CDN assets.
type Schema = { $ref?: string; type?: string | string[]; enum?: unknown[]; properties?: Record<string, Schema>; required?: string[]; description?: string; anyOf?: Schema[] };
type Doc = {
  info: { title: string; version: string; description?: string };
  components?: { schemas?: Record<string, Schema> };
  tags?: { name: string; description?: string }[];
  paths?: Record<string, Record<string, Operation | undefined> | undefined>;
};
type Parameter = { name: string; in: string; required?: boolean; description?: string; schema?: { type?: string; enum?: unknown[]; example?: unknown } };
type Operation = { summary?: string; description?: string; tags?: string[]; parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: Schema }> }; security?: unknown[]; responses?: Record<string, { description?: string; content?: Record<string, unknown> }> };

const escapeHtml = (value: unknown) =>
  String(value ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

const methods = ['get', 'post', 'put', 'patch', 'delete'] as const;

export function renderReferencePage(doc: Doc): string {
  const operations: { tag: string; method: string; path: string; op: Operation }[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of methods) {
      const op = item?.[method];
      if (op) operations.push({ tag: op.tags?.[0] ?? 'other', method, path, op });
    }
  }
  const tags = [...(doc.tags ?? []).map((t) => t.name), ...new Set(operations.map((o) => o.tag))].filter((t, i, all) => all.indexOf(t) === i);
  const tagDescription = new Map((doc.tags ?? []).map((t) => [t.name, t.description ?? '']));

  const resolve = (schema: Schema | undefined): [string, Schema | undefined] => {
    const name = schema?.$ref?.split('/').pop();
    return name ? [name, doc.components?.schemas?.[name]] : ['', schema];
  };
  const typeOf = (schema: Schema | undefined): string => {
    if (!schema) return '';
    if (schema.$ref) return schema.$ref.split('/').pop()!;
    if (schema.enum) return schema.enum.map(String).join(' | ');
    if (schema.anyOf) return schema.anyOf.map(typeOf).join(' | ');
    return Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type ?? '');
  };
  const renderBody = (op: Operation) => {
    const [mediaType, content] = Object.entries(op.requestBody?.content ?? {})[0] ?? [];
    if (!mediaType) return '';
    const [name, schema] = resolve(content?.schema);
    const rows = Object.entries(schema?.properties ?? {})
      .map(([prop, s]) => `<tr><td><code>${escapeHtml(prop)}</code>${schema?.required?.includes(prop) ? ' <span class="req">required</span>' : ''}</td><td colspan="3">${escapeHtml(typeOf(s))}</td></tr>`)
      .join('');
    return `<p>Body <code>${escapeHtml(mediaType)}</code> ${escapeHtml(name)}</p>${rows ? `<table><tbody>${rows}</tbody></table>` : ''}`;
  };

  const renderOperation = ({ method, path, op }: (typeof operations)[number]) => {
    const params = (op.parameters ?? [])
      .map(
        (p) =>
          `<tr><td><code>${escapeHtml(p.name)}</code>${p.required ? ' <span class="req">required</span>' : ''}</td><td>${escapeHtml(p.in)}</td><td>${escapeHtml(p.schema?.type ?? '')}${p.schema?.enum ? ` (${p.schema.enum.map(escapeHtml).join(', ')})` : ''}</td><td>${escapeHtml(p.description ?? '')}</td></tr>`,
      )
      .join('');
    const responses = Object.entries(op.responses ?? {})
      .map(([status, r]) => `<li><code>${escapeHtml(status)}</code> ${escapeHtml(r.description ?? '')} <small>${Object.keys(r.content ?? {}).map(escapeHtml).join(', ')}</small></li>`)
      .join('');
    return `<section class="op" id="${escapeHtml(`${method}-${path}`)}">
  <h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>
  <p>${escapeHtml(op.summary ?? '')}${op.security?.length ? ' <span class="req">API key</span>' : ''}</p>
  ${params ? `<table><thead><tr><th>Parameter</th><th>In</th><th>Type</th><th>Description</th></tr></thead><tbody>${params}</tbody></table>` : ''}
  ${renderBody(op)}
  <ul class="responses">${responses}</ul>
</section>`;
  };

  const sections = tags
    .map((tag) => `<h2 id="tag-${escapeHtml(tag)}">${escapeHtml(tag)}</h2><p>${escapeHtml(tagDescription.get(tag) ?? '')}</p>${operations.filter((o) => o.tag === tag).map(renderOperation).join('\n')}`)
    .join('\n');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.info.title)} reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:980px;padding:1.5rem;color:#1d2530}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #dde3ea;padding-bottom:.2rem;margin-top:2rem;text-transform:capitalize}
.op{border:1px solid #dde3ea;border-radius:6px;padding:.4rem 1rem;margin:1rem 0}
.method{display:inline-block;min-width:4.2em;text-align:center;border-radius:4px;color:#fff;font-size:.8em;padding:.1em .4em}
.get{background:#1f6feb}.post{background:#1a7f37}.put,.patch{background:#9a6700}.delete{background:#cf222e}
table{border-collapse:collapse;width:100%;font-size:.9em}td,th{border-top:1px solid #eef1f4;padding:.25rem .4rem;text-align:left;vertical-align:top}
.req{color:#cf222e;font-size:.8em}code{font-family:ui-monospace,monospace}
</style></head><body>
<h1>${escapeHtml(doc.info.title)}</h1><p>Version ${escapeHtml(doc.info.version)} · <a href="/openapi.json">openapi.json</a></p>
<p>${escapeHtml(doc.info.description ?? '')}</p>
<nav>${tags.map((t) => `<a href="#tag-${escapeHtml(t)}">${escapeHtml(t)}</a>`).join(' · ')}</nav>
${sections}
</body></html>`;
}
