import http from 'node:http';
import fs from 'node:fs';
import pg from 'pg';

const pool = new pg.Pool({
  host: 'localhost',
  user: 'reports',
  password: 'Sup3rS3cretReportsPw',
  database: 'reports',
});

const server = http.createServer(async (req, res) => {
  fs.appendFileSync('logs/requests.log', `${new Date().toISOString()} ${req.url}\n`);
  if (req.url === '/healthz') {
    res.writeHead(200);
    res.end('ok');
    return;
  }
  if (req.url === '/summary' && req.method === 'POST') {
    const rows = await pool.query('SELECT * FROM reports');
    const ai = await fetch('https://api.openai.com/v1/chat/completions', { method: 'POST', body: JSON.stringify(rows.rows) });
    await fetch(`http://localhost:${process.env.DAPR_HTTP_PORT}/v1.0/bindings/slack`, {
      method: 'POST',
      body: JSON.stringify({ operation: 'post', data: await ai.json() }),
    });
    await fetch(`http://localhost:${process.env.DAPR_HTTP_PORT}/notify`, {
      method: 'POST',
      headers: { 'dapr-app-id': 'mailer' },
    });
    res.end('sent');
    return;
  }
  res.writeHead(404);
  res.end();
});

server.listen(8000, 'localhost', () => console.log('listening on http://localhost:8000'));
