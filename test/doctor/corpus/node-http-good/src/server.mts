import http from 'node:http';

const PORT = Number(process.env.PORT ?? 8080);
const DAPR_URL = `http://localhost:${process.env.DAPR_HTTP_PORT ?? 3500}/v1.0`;
const BINDING = 'slack';

async function notify(text: string): Promise<void> {
  await fetch(`${DAPR_URL}/bindings/${BINDING}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ operation: 'post', data: { text } }),
  });
  await fetch(`http://localhost:${process.env.DAPR_HTTP_PORT}/notify`, {
    method: 'POST',
    headers: { 'dapr-app-id': 'mailer.mailer-ns' },
    body: text,
  });
}

const server = http.createServer(async (req, res) => {
  switch (req.url) {
    case '/health':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      return;
    case '/summary':
      await notify('weekly summary is ready');
      res.end('sent');
      return;
    default:
      res.writeHead(404);
      res.end();
  }
});

server.listen(PORT, '0.0.0.0', () => console.log(`listening on http://0.0.0.0:${PORT}`));
