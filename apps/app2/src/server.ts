/**
 * app2: the classification dashboard.
 *
 * Serves a small web page and forwards to app1's classifier. It never knows
 * app1's address: every call goes to its own Dapr sidecar on localhost
 * (DAPR_HTTP_PORT), which finds app1 by name, across namespaces
 * (`app1.app1-ns`), exactly as in the cluster.
 */
import express, { type Request, type Response } from 'express';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PORT = Number(process.env.PORT ?? 3000);
const DAPR_URL = `http://127.0.0.1:${process.env.DAPR_HTTP_PORT ?? '3500'}/v1.0`;
const CLASSIFIER = process.env.CLASSIFIER_APP_ID ?? 'app1.app1-ns'; // Dapr app-id.namespace
const TIMEOUT_MS = 10_000;

const app = express();
app.disable('x-powered-by');
app.use(express.json({ limit: '16kb' }));
app.use((_req, res, next) => {
  res.set({
    'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  });
  next();
});
app.use(express.static(join(dirname(fileURLToPath(import.meta.url)), '..', 'public')));

/** Call a method of app1 through the sidecar and relay its answer. */
async function relay(res: Response, method: string, init: RequestInit = {}): Promise<void> {
  try {
    const upstream = await fetch(`${DAPR_URL}/invoke/${CLASSIFIER}/method/${method}`, {
      ...init,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await upstream.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = { error: text.slice(0, 500) };
    }
    if (!upstream.ok) console.error(`app1 ${method}: HTTP ${upstream.status} ${text.slice(0, 300)}`);
    res.status(upstream.status).json(body);
  } catch (err) {
    console.error(`app1 ${method}: ${err instanceof Error ? err.message : String(err)}`);
    res.status(502).json({ error: 'the classifier cannot be reached right now; try again in a moment' });
  }
}

app.post('/api/classify', async (req: Request, res: Response) => {
  const message: unknown = req.body?.message;
  if (typeof message !== 'string' || !message.trim()) {
    res.status(400).json({ error: 'type a message first' });
    return;
  }
  await relay(res, 'classify', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ message }),
  });
});

app.get('/api/history', async (_req: Request, res: Response) => {
  await relay(res, 'history');
});

app.get('/health', (_req: Request, res: Response) => {
  res.json({ status: 'ok' });
});

const server = app.listen(PORT, '0.0.0.0', () => {
  console.log(`app2 listening on 0.0.0.0:${PORT} (classifier ${CLASSIFIER} via ${DAPR_URL})`);
});
server.on('error', (err) => {
  console.error(`app2 cannot listen on port ${PORT}: ${err.message}`);
  process.exit(1);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
