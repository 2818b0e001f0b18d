import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appNameProblem, reservedNames } from './app-name.js';

test('the reserved names file is two lists of DNS-label strings and a length', () => {
  const r = reservedNames();
  assert.equal(r.maxLength, 53);
  for (const group of [r.exact, r.prefixes]) assert.ok(group.length > 0 && group.every((s) => /^[a-z][-a-z0-9]*$/.test(s)));
  for (const name of [
    'system',
    'platform',
    'paddock',
    'control-plane',
    'admin',
    'default',
    'root',
    'kube',
    'kubernetes',
    'dapr',
    'flux',
    'cilium',
    'vault',
    'redis',
    'harbor',
    'monitoring',
    'prometheus',
    'external-secrets',
    'cert-manager',
    'ingress-nginx',
    'metrics-server',
    'y',
    'n',
    'yes',
    'no',
    'on',
    'off',
    'true',
    'false',
    'null',
  ]) {
    assert.ok(r.exact.includes(name), name);
  }
  assert.deepEqual([...r.prefixes].sort(), ['cilium-', 'dapr-', 'flux-', 'kube-', 'paddock-', 'system-']);
});

test('names: a DNS label starting with a letter, at most 53 characters, not reserved', () => {
  const refused: [string, RegExp][] = [
    ['App1', /lowercase/],
    ['1app', /start with a letter/],
    ['app_1', /lowercase/],
    ['app-', /lowercase/],
    ['', /lowercase/],
    ['a'.repeat(54), /54 characters long; at most 53/],
    ['system', /reserved/],
    ['admin', /reserved/],
    ['yes', /reserved/],
    ['null', /reserved/],
    ['kube-foo', /starts with "kube-"/],
    ['paddock-x', /starts with "paddock-"/],
  ];
  for (const [name, why] of refused) assert.match(appNameProblem(name) ?? 'accepted', why, name);
  for (const name of ['app1', 'a', 'a'.repeat(53), 'kubefoo', 'yes-app', 'admins', 'my-system']) assert.equal(appNameProblem(name), undefined, name);
});
