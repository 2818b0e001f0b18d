import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allReady, fluxObjects, progressLine, statusRows } from './flux-state.js';

const list = (...items: object[]): string => JSON.stringify({ items });
const ks = (name: string, status?: string, message = '', suspend = false): object => ({
  kind: 'Kustomization',
  metadata: { name, namespace: 'flux-system' },
  spec: { suspend },
  status: status ? { conditions: [{ type: 'Ready', status, message }] } : {},
});
const hr = (name: string, status: string, message = ''): object => ({
  kind: 'HelmRelease',
  metadata: { name, namespace: 'flux-system' },
  status: { conditions: [{ type: 'Ready', status, message }] },
});

describe('Flux objects read from kubectl', () => {
  it('takes the Ready condition, Unknown before the first reconciliation, and says when one is suspended', () => {
    const objects = fluxObjects(list(ks('platform', 'True', 'Applied revision: x'), ks('apps'), ks('infra', 'False', 'x', true)));
    assert.deepEqual(
      objects.map((o) => [o.name, o.ready, o.message]),
      [
        ['platform', 'True', 'Applied revision: x'],
        ['apps', 'Unknown', 'waiting for the first reconciliation'],
        ['infra', 'False', 'suspended'],
      ],
    );
  });

  it('is ready only when every wanted object exists and is Ready', () => {
    const objects = fluxObjects(list(ks('platform', 'True'), hr('dapr', 'False', 'chart pull failed')));
    assert.equal(allReady(objects, ['platform']), true);
    assert.equal(allReady(objects, ['platform', 'missing']), false, 'a name not there yet is not ready');
    assert.equal(allReady(objects), false);
    assert.equal(allReady([]), false, 'nothing at all is not ready');
  });

  it('progress names what is not ready yet, six at most', () => {
    const objects = fluxObjects(list(ks('platform', 'True'), ...['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((n) => hr(n, 'False'))));
    assert.equal(progressLine(objects), '1/8 ready — waiting for hr/a, hr/b, hr/c, hr/d, hr/e, hr/f and 1 more');
    assert.equal(progressLine(fluxObjects(list(ks('platform', 'True')))), '1/1 ready');
  });

  it('status rows put Flux first, then the platform by role, then the apps', () => {
    const rows = statusRows(fluxObjects(list(hr('app1', 'True'), hr('dapr', 'True', 'line 1\nline 2'), ks('platform', 'True'))), ['app1']);
    assert.deepEqual(
      rows.map((r) => [r.component, r.message]),
      [
        ['Flux: platform', ''],
        ['Dapr', 'line 1'],
        ['app: app1', ''],
      ],
    );
  });
});
