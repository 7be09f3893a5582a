/**
 * @module The human docs page at /api/v1/docs: the OpenAPI document rendered as plain HTML on the server (no
 * scripts, no CDN, so it works offline and under a strict Content-Security-Policy).
 */
import type { OpenApiDocument } from './openapi.js';

function esc(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function block(value: unknown): string {
  return `<pre>${esc(JSON.stringify(value, null, 2) ?? '')}</pre>`;
}

/** The schema of a body, labelled with its media type when it is not JSON (raw webhooks, metrics text). */
function content(media: Record<string, { schema: unknown }>): string {
  const json = media['application/json'];
  if (json) return block(json.schema);
  return Object.entries(media)
    .map(([type, m]) => `<p><code>${esc(type)}</code></p>${block(m.schema)}`)
    .join('');
}

export function renderDocsPage(doc: OpenApiDocument): string {
  const sections: string[] = [];
  for (const tag of doc.tags) {
    const ops: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!(op.tags as string[]).includes(tag.name)) continue;
        const who =
          typeof op['x-permission'] === 'string'
            ? `permission <code>${esc(op['x-permission'])}</code> (role ${esc(String(op['x-min-role']))} or above)`
            : `access: ${esc(String(op['x-access']))}`;
        const params = (
          op.parameters as { name: string; in: string; required: boolean; description?: string }[]
        )
          .map(
            (p) =>
              `<li><code>${esc(p.name)}</code> (${p.in}${p.required ? ', required' : ''})${p.description ? ` — ${esc(p.description)}` : ''}</li>`,
          )
          .join('');
        const body = op.requestBody as { content: Record<string, { schema: unknown }> } | undefined;
        const responses = Object.entries(
          op.responses as Record<
            string,
            { description: string; content?: Record<string, { schema: unknown }> }
          >,
        )
          .filter(([status]) => Number(status) < 400)
          .map(
            ([status, r]) => `<p>${status}: ${esc(r.description)}</p>${r.content ? content(r.content) : ''}`,
          )
          .join('');
        ops.push(
          `<section id="${esc(String(op.operationId))}"><h3><span class="m">${method.toUpperCase()}</span> <code>${esc(path)}</code></h3>` +
            `<p>${esc(String(op.summary))}${op.description ? ` ${esc(String(op.description))}` : ''}</p><p class="who">${who}</p>` +
            (params ? `<ul>${params}</ul>` : '') +
            (body ? `<h4>Request body</h4>${content(body.content)}` : '') +
            `<h4>Responses</h4>${responses}</section>`,
        );
      }
    }
    sections.push(`<h2 id="tag-${esc(tag.name)}">${esc(tag.name)}</h2>${ops.join('')}`);
  }
  const schemas = Object.entries(doc.components.schemas)
    .map(([name, s]) => `<section id="schema-${esc(name)}"><h3>${esc(name)}</h3>${block(s)}</section>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
pre{background:#f5f5f5;padding:.75rem;overflow:auto;font-size:12px}section{border-top:1px solid #ddd;padding-top:.5rem}
.m{display:inline-block;min-width:4rem;font-family:monospace}.who{color:#555}</style></head><body>
<h1>${esc(doc.info.title)} v${esc(doc.info.version)}</h1><p>${esc(doc.info.description)}</p>
<p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1).</p>
<nav>${doc.tags.map((t) => `<a href="#tag-${esc(t.name)}">${esc(t.name)}</a>`).join(' · ')} · <a href="#schemas">schemas</a></nav>
${sections.join('')}<h2 id="schemas">Schemas</h2>${schemas}</body></html>`;
}
