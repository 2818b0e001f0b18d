import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DevApp } from './app.js';
import { apiCall, bareAppIdRefusal } from './refusals.js';

// daprd 1.17.5's API log lines, as paddock dev's sidecars write them.
const line = (code: number, method: string): string =>
  `time="2026-12-02T01:23:30.14231539Z" level=info msg="HTTP API Called" app_id=caller code=${code} duration=3017 instance=vm method="${method}" scope=dapr.runtime.http-info size=311 type=log useragent=curl/7.88.1 ver=1.17.5`;

const caller = (allowEgressTo: string[]): DevApp => ({
  name: 'caller',
  namespace: 'caller-ns',
  dir: '/x/caller',
  valuesFile: '/x/caller/values.yaml',
  devFile: '',
  secretsFile: '',
  values: { networkPolicy: { allowEgressTo, allowIngressFrom: [] } } as unknown as DevApp['values'],
  run: {} as DevApp['run'],
});

test('daprd API log lines are read; other lines are not', () => {
  assert.deepEqual(apiCall(line(500, 'POST /v1.0/invoke/orders/method/neworder?x=1')), {
    code: 500,
    verb: 'POST',
    path: '/v1.0/invoke/orders/method/neworder',
  });
  assert.equal(apiCall('time="…" level=warning msg="Error processing operation DaprBuiltInServiceRetries. Retrying in 1s…"'), undefined);
});

test('a refused call by bare app-id is one line with the rewrite; named or successful calls are quiet', () => {
  const url = bareAppIdRefusal(apiCall(line(500, 'POST /v1.0/invoke/orders/method/neworder'))!, caller(['orders-ns']))!;
  assert.equal(
    url,
    'caller called orders by its bare app-id (POST /v1.0/invoke/orders/method/neworder) and its sidecar refused it: each app runs in its own namespace, so write orders.orders-ns (/v1.0/invoke/orders.orders-ns/method/neworder).',
  );
  assert.match(
    bareAppIdRefusal(apiCall(line(500, 'GET /v1.0/invoke/stock/method/items'))!, caller([]))!,
    /and add stock-ns to networkPolicy\.allowEgressTo in .*values\.yaml\.$/,
  );
  const header = bareAppIdRefusal(apiCall(line(500, 'POST /neworder'))!, caller(['orders-ns']))!;
  assert.match(header, /call POST \/neworder through its sidecar \(the dapr-app-id header\) was refused: .* dapr-app-id: orders\.orders-ns\.$/);
  assert.equal(bareAppIdRefusal(apiCall(line(500, 'POST /v1.0/invoke/orders.orders-ns/method/x'))!, caller(['orders-ns'])), undefined);
  assert.equal(bareAppIdRefusal(apiCall(line(200, 'POST /v1.0/invoke/orders/method/x'))!, caller(['orders-ns'])), undefined);
  assert.equal(bareAppIdRefusal(apiCall(line(500, 'POST /v1.0/state/statestore'))!, caller([])), undefined);
});
