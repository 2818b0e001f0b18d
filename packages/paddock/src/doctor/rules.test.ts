import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { emptyFacts, type SourceFacts } from './facts.js';
import { movingTag, runRules } from './rules.js';
import type { AppValues } from './values.js';

const values = (allowEgressTo: string[]): AppValues => ({
  file: 'values.yaml',
  port: 8080,
  health: [{ path: '/health', field: 'healthPath' }],
  statestore: false,
  secretstore: false,
  secretKeys: [],
  pubsub: false,
  allowEgressTo,
  allowIngressFrom: [],
});

function source(lang: 'python' | 'node', fill: (f: SourceFacts) => void): SourceFacts {
  const f = emptyFacts(lang === 'python' ? 'app.py' : 'index.js', lang, false);
  fill(f);
  return f;
}

describe('moving base-image tags, by rule', () => {
  const tag = (image: string): string | undefined => {
    const colon = image.lastIndexOf(':');
    return movingTag({ image, tag: colon > image.lastIndexOf('/') ? image.slice(colon + 1) : '', digest: image.includes('@sha256:') });
  };
  test("no tag, a word with no version, a version that is not the image's own, a major alone: moving", () => {
    for (const image of [
      'python',
      'node:lts',
      'alpine:edge',
      'debian:stable',
      'node:current-slim',
      'ubuntu:rolling',
      'python:slim',
      'nginx:mainline-alpine',
      'node:lts-alpine3.19',
      'node:alpine3.19',
      'tiangolo/uvicorn-gunicorn-fastapi:python3.9-slim',
      'python:3',
      'node:20-bullseye',
      'localhost:5000/base',
    ]) {
      assert.ok(tag(image), image);
    }
  });
  test('a version with a minor or patch, a date stamp, a digest: quiet', () => {
    for (const image of [
      'python:3.12',
      'node:20.18.0-slim',
      'python:3.10-alpine',
      'ubuntu:22.04',
      'debian:bookworm-20240110',
      'node@sha256:abc',
      'registry.local:5000/x:1.2.3',
    ]) {
      assert.equal(tag(image), undefined, image);
    }
  });
});

describe('calls by bare app-id', () => {
  test('URL, header and SDK forms, each with the exact rewrite; the namespace confirmed by allowEgressTo', () => {
    const py = source('python', (f) => {
      f.strings.push({ value: 'http://localhost:{env:DAPR_HTTP_PORT}/v1.0/invoke/orders/method/neworder', loc: { file: 'app.py', line: 3 }, literal: false });
      f.strings.push({ value: 'order-processor', key: 'dapr-app-id', loc: { file: 'app.py', line: 5 }, literal: true });
      f.daprSdk.push({ api: 'invoke', name: 'orders', via: 'invoke_method', loc: { file: 'app.py', line: 7 } });
    });
    const js = source('node', (f) => {
      f.daprSdk.push({ api: 'invoke', name: 'orders', via: 'client.invoker.invoke', loc: { file: 'index.js', line: 9 } });
    });
    const found = runRules({ name: 'checkout', sources: [py, js], values: values(['orders-ns']) });
    const bare = found.filter((f) => f.rule === 'bare-app-id');
    assert.deepEqual(
      bare.map((f) => [f.severity, f.line]),
      [
        ['error', 3],
        ['error', 5],
        ['error', 7],
        ['error', 9],
      ],
    );
    assert.match(bare[0]!.fix ?? '', /f"http:\/\/localhost:\{os\.environ\['DAPR_HTTP_PORT'\]\}\/v1\.0\/invoke\/orders\.orders-ns\/method\/neworder"/);
    assert.match(bare[0]!.fix ?? '', /values\.yaml already allows orders-ns/);
    assert.match(bare[1]!.fix ?? '', /"dapr-app-id": "order-processor\.order-processor-ns"/);
    assert.match(bare[1]!.fix ?? '', /add `order-processor-ns` to networkPolicy\.allowEgressTo/);
    assert.match(bare[2]!.fix ?? '', /invoke_method\("orders\.orders-ns", …\)/);
    assert.match(bare[3]!.fix ?? '', /client\.invoker\.invoke\('orders\.orders-ns', …\)/);
    assert.match(bare[0]!.message, /Dapr looks for orders in checkout-ns/);
    // orders-ns is declared: undeclared-invocation is quiet for orders, and reports order-processor.
    assert.deepEqual(
      found.filter((f) => f.rule === 'undeclared-invocation').map((f) => f.line),
      [5],
    );
  });
  test('a call that names the namespace, or the app itself, is quiet', () => {
    const py = source('python', (f) => {
      f.strings.push({ value: 'http://localhost:3500/v1.0/invoke/orders.orders-ns/method/x', loc: { file: 'app.py', line: 3 }, literal: true });
      f.strings.push({ value: 'checkout', key: 'dapr-app-id', loc: { file: 'app.py', line: 4 }, literal: true });
    });
    assert.deepEqual(
      runRules({ name: 'checkout', sources: [py], values: values(['orders-ns']) }).filter((f) => /invocation|bare/.test(f.rule)),
      [],
    );
  });
});
