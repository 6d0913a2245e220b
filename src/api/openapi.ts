// OpenAPI 3.1 generated from the route declarations (zod schemas -> JSON Schema 2020-12), and a
// self-contained, browsable reference page (no external scripts: the API may run offline).
import { z } from 'zod';
import { ErrorBody, type RouteSpec } from './route.ts';

function schema(s: z.ZodType, io: 'input' | 'output'): unknown {
  const out = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

function parameters(spec: RouteSpec): unknown[] {
  const out: unknown[] = [];
  const add = (where: 'path' | 'query', s: z.ZodType | undefined) => {
    if (!s) return;
    const js = schema(s, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, p] of Object.entries(js.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema: p });
    }
  };
  add('path', spec.params);
  add('query', spec.query);
  return out;
}

export function openApiDocument(routes: RouteSpec[], info: { title: string; version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = '/api/v1' + r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const status = String(r.status ?? 200);
    const op: Record<string, unknown> = {
      operationId: r.operationId,
      summary: r.summary,
      tags: [r.tag],
      description: `Requires role ${r.role} or higher.`,
      parameters: parameters(r),
      responses: {
        [status]: status === '204' ? { description: 'done' } : { description: 'success', content: { 'application/json': { schema: r.response ? schema(r.response, 'output') : {} } } },
        default: { description: 'error', content: { 'application/json': { schema: schema(ErrorBody, 'output') } } },
      },
    };
    if (r.body) {
      op.requestBody = r.textBody
        ? { required: true, content: { [r.textBody.contentType]: { schema: { type: 'string' } } } }
        : { required: true, content: { 'application/json': { schema: schema(r.body, 'input') } } };
    }
    (paths[path] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info,
    servers: [{ url: '/' }],
    components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: eim_<prefix>_<secret>' } } },
    security: [{ apiKey: [] }],
    paths,
  };
}

/** The reference page (/api/v1/docs): renders /api/v1/openapi.json in the browser with a few lines of inline script. */
export const REFERENCE_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>eIM operator API</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330}header{background:#1d2330;color:#fff;padding:16px 24px}
main{padding:8px 24px;max-width:1100px}h2{margin-top:28px;border-bottom:1px solid #ddd}
details{border:1px solid #e2e5ea;border-radius:6px;margin:8px 0;padding:6px 10px}
summary{cursor:pointer}code.m{display:inline-block;width:64px;font-weight:600;text-transform:uppercase}
.get{color:#0a7}.post{color:#06c}.put,.patch{color:#a60}.delete{color:#c22}pre{background:#f6f7f9;padding:8px;overflow:auto}
</style></head><body><header><b>eIM operator API</b> &mdash; reference generated from <a style="color:#9cf" href="/api/v1/openapi.json">openapi.json</a>.
Authenticate with <code>Authorization: Bearer &lt;API key&gt;</code>.</header><main id="m">Loading…</main>
<script>
fetch('/api/v1/openapi.json').then(function(r){return r.json()}).then(function(doc){
  var by={};Object.keys(doc.paths).forEach(function(p){Object.keys(doc.paths[p]).forEach(function(m){var o=doc.paths[p][m];(by[o.tags[0]]=by[o.tags[0]]||[]).push([m,p,o])})});
  var main=document.getElementById('m');main.textContent='';
  Object.keys(by).sort().forEach(function(tag){var h=document.createElement('h2');h.textContent=tag;main.appendChild(h);
    by[tag].forEach(function(e){var d=document.createElement('details');var s=document.createElement('summary');
      var c=document.createElement('code');c.className='m '+e[0];c.textContent=e[0];s.appendChild(c);s.appendChild(document.createTextNode(' '+e[1]+' \\u2014 '+e[2].summary));d.appendChild(s);
      var pre=document.createElement('pre');pre.textContent=JSON.stringify({description:e[2].description,parameters:e[2].parameters,requestBody:e[2].requestBody,responses:e[2].responses},null,2);d.appendChild(pre);main.appendChild(d)})})
}).catch(function(e){document.getElementById('m').textContent='Could not load openapi.json: '+e});
</script></body></html>`;
