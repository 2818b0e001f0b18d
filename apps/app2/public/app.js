// The dashboard's page script: talks to app2's own /api, never to app1.
const form = document.getElementById('classify-form');
const input = document.getElementById('message');
const button = document.getElementById('classify');
const result = document.getElementById('result');
const historyBody = document.getElementById('history');

const LABELS = { bug: 'Bug', feature_request: 'Feature request', question: 'Question' };

function badge(classification) {
  const span = document.createElement('span');
  span.className = `badge ${classification}`;
  span.textContent = LABELS[classification] ?? classification;
  return span;
}

function cell(content, className) {
  const td = document.createElement('td');
  if (className) td.className = className;
  if (typeof content === 'string') td.textContent = content;
  else td.append(content);
  return td;
}

async function loadHistory() {
  try {
    const resp = await fetch('/api/history');
    const items = await resp.json();
    if (!resp.ok) throw new Error(items?.error ?? `HTTP ${resp.status}`);
    historyBody.replaceChildren();
    if (!items.length) {
      historyBody.append(Object.assign(document.createElement('tr'), { innerHTML: '<td colspan="3" class="empty">Nothing classified yet.</td>' }));
      return;
    }
    for (const item of items) {
      const tr = document.createElement('tr');
      tr.dataset.id = item.id;
      tr.append(cell(new Date(item.timestamp).toLocaleString(), 'when'), cell(item.message), cell(badge(item.classification)));
      historyBody.append(tr);
    }
  } catch (err) {
    historyBody.replaceChildren(Object.assign(document.createElement('tr'), { innerHTML: '<td colspan="3" class="empty"></td>' }));
    historyBody.querySelector('td').textContent = `Could not load the history: ${err.message}`;
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const message = input.value.trim();
  if (!message) return;
  button.disabled = true;
  result.className = '';
  result.textContent = 'Classifying…';
  try {
    const resp = await fetch('/api/classify', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ message }),
    });
    const data = await resp.json();
    if (!resp.ok) throw new Error(data?.error ?? `HTTP ${resp.status}`);
    result.replaceChildren('Classified as ', badge(data.classification));
    result.dataset.classification = data.classification;
    input.value = '';
    await loadHistory();
  } catch (err) {
    result.className = 'error';
    result.textContent = `Could not classify: ${err.message}`;
  } finally {
    button.disabled = false;
  }
});

loadHistory();
