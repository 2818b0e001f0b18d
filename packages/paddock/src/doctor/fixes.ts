/** The code an app author pastes instead: Dapr calls through DAPR_HTTP_PORT, in the app's language. */
import type { SourceLang } from './facts.js';
import type { InfraKind } from './names.js';

const PY = "f\"http://localhost:{os.environ['DAPR_HTTP_PORT']}/v1.0";
const JS = '`http://localhost:${process.env.DAPR_HTTP_PORT}/v1.0';

export function stateFix(lang: SourceLang): string {
  return lang === 'python'
    ? `save with requests.post(${PY}/state/statestore", json=[{"key": k, "value": v}]) and read with requests.get(${PY}/state/statestore/{k}").json()`
    : `save with await fetch(${JS}/state/statestore\`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ key, value }]) }) and read with await (await fetch(${JS}/state/statestore/\${key}\`)).json()`;
}

export function secretFix(lang: SourceLang, key: string): string {
  return lang === 'python'
    ? `requests.get(${PY}/secrets/secretstore/${key}").json()["${key}"]`
    : `(await (await fetch(${JS}/secrets/secretstore/${key}\`)).json())['${key}']`;
}

function publishFix(lang: SourceLang): string {
  return lang === 'python'
    ? `requests.post(${PY}/publish/pubsub/<topic>", json=event)`
    : `await fetch(${JS}/publish/pubsub/<topic>\`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) })`;
}

export function invokeFix(lang: SourceLang, app: string, method = '<method>'): string {
  return lang === 'python'
    ? `requests.post(${PY}/invoke/${app}.${app}-ns/method/${method}", json=payload)`
    : `await fetch(${JS}/invoke/${app}.${app}-ns/method/${method}\`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) })`;
}

export function infraFix(kind: InfraKind, lang: SourceLang): string {
  switch (kind) {
    case 'state':
      return `Use the platform's state store through Dapr instead: ${stateFix(lang)}; and set \`statestore: { enabled: true }\` in values.yaml.`;
    case 'db':
      return `The platform offers no SQL database to apps; keep records as key/value pairs in the state store: ${stateFix(lang)}; and set \`statestore: { enabled: true }\` in values.yaml.`;
    case 'pubsub':
      return `Send events through Dapr instead: ${publishFix(lang)}; and set \`pubsub: { enabled: true }\` in values.yaml.`;
    case 'secrets':
      return `Read secrets through Dapr instead: ${secretFix(lang, '<key>')}; and set \`secretstore: { enabled: true, keys: [<key>] }\` in values.yaml.`;
    case 'cloud':
      return 'The app cannot reach cloud APIs from the cluster. For files, keep small data in the state store; to call an outside web service, use the binding building block (values.yaml `binding`) and POST to /v1.0/bindings/<name>.';
    case 'search':
      return `Keep searchable records in the state store (${stateFix(lang)}) or ask the platform team for a search component.`;
  }
}

export function healthFix(lang: SourceLang, path: string, framework: string): string {
  if (lang === 'python') {
    return framework === 'http.server'
      ? `In do_GET: \`if self.path == "${path}": self.send_response(200); self.end_headers(); self.wfile.write(b"ok"); return\``
      : `Add a route: \`@app.get("${path}")\` over \`def health(): return {"status": "ok"}\``;
  }
  return framework === 'http'
    ? `In the request handler: \`if (req.url === '${path}') { res.writeHead(200, { 'content-type': 'text/plain' }); return res.end('ok'); }\``
    : `Add a route: \`app.get('${path}', (_req, res) => res.json({ status: 'ok' }))\``;
}

export function listenFix(lang: SourceLang, via: string): string {
  if (via === 'gunicorn')
    return 'Bind to all interfaces on the platform port: `gunicorn --bind 0.0.0.0:${PORT:-8080} app:app` (or leave out --bind: gunicorn then uses 0.0.0.0:$PORT).';
  if (via === 'uvicorn' || via === 'hypercorn')
    return `Add \`--host 0.0.0.0 --port 8080\` to the ${via} command (and keep the port equal to \`port\` in values.yaml).`;
  if (via === 'flask run') return 'Use `flask run --host 0.0.0.0 --port 8080`, or better `gunicorn --bind 0.0.0.0:8080 app:app`.';
  if (lang === 'python') {
    if (via === 'uvicorn.run') return 'Use `uvicorn.run(app, host="0.0.0.0", port=int(os.environ.get("PORT", 8080)))`.';
    if (/HTTPServer|TCPServer|make_server/.test(via))
      return 'Bind all interfaces on the platform port: `HTTPServer(("0.0.0.0", int(os.environ.get("PORT", 8080))), Handler)`.';
    return `Use \`${via}(host="0.0.0.0", port=int(os.environ.get("PORT", 8080)))\`.`;
  }
  return `Use \`${via}(Number(process.env.PORT ?? 8080), '0.0.0.0')\`.`;
}
