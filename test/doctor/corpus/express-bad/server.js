require('dotenv').config();
const express = require('express');
const Redis = require('ioredis');
const fs = require('fs');
const path = require('path');

const app = express();
app.use(express.json());

const redis = new Redis('redis://localhost:6379');
const apiKey = process.env.OPENAI_API_KEY;
const SLACK_TOKEN = 'xoxb-2931847561-5839204857-aB3dE6fG9hJ2kL5mN8pQ1rS4';
const DATA_FILE = path.join(__dirname, 'tasks.json');

app.get('/', (req, res) => {
  res.send('Task board is up!');
});

app.post('/tasks', async (req, res) => {
  const task = req.body;
  await redis.lpush('tasks', JSON.stringify(task));
  fs.writeFileSync(DATA_FILE, JSON.stringify(task));
  await fetch('http://localhost:3500/v1.0/invoke/billing/method/charge', {
    method: 'POST',
    body: JSON.stringify({ task, apiKey }),
  });
  res.json({ ok: true });
});

app.listen(3000, '127.0.0.1', () => {
  console.log('Server running at http://127.0.0.1:3000');
});
