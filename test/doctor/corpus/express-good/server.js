const express = require('express');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const app = express();
app.use(express.json());

const PORT = Number(process.env.PORT || 3000);
const DAPR = `http://localhost:${process.env.DAPR_HTTP_PORT || 3500}/v1.0`;
const STORE = 'statestore';
const BILLING = 'billing.billing-ns';

async function secret(name) {
  const res = await fetch(`${DAPR}/secrets/secretstore/${name}`);
  return (await res.json())[name];
}

app.get('/health', (_req, res) => res.json({ status: 'ok' }));

app.post('/tasks', async (req, res) => {
  const task = req.body;
  await fetch(`${DAPR}/state/${STORE}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ key: String(task.id), value: task }]),
  });
  fs.writeFileSync(path.join(os.tmpdir(), 'last-task.json'), JSON.stringify(task));
  const token = await secret('slack-bot-token');
  await fetch(`${DAPR}/invoke/${BILLING}/method/charge`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ task, notify: Boolean(token) }),
  });
  res.json({ ok: true });
});

app.listen(PORT, '0.0.0.0', () => {
  console.log(`Server running at http://localhost:${PORT}`);
});
