import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { paths } from '../paths.js';
import { readPins } from './pins.js';

describe('the pins in tools/versions.env', () => {
  it('are its KEY=value lines, digits in keys included; comments, prose and trailing words are not pins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pins-'));
    writeFileSync(join(dir, 'versions.env'), '# HELM_VERSION=v0\nK8S_V1=v1.2.3\nEMPTY=\nprose line\nB=x # trailing\n  C=indented\n');
    assert.deepEqual(readPins(dir), { K8S_V1: 'v1.2.3', EMPTY: '' });
  });

  it('are empty where there is no versions.env, and the repository has the ones the tools need', () => {
    assert.deepEqual(readPins(mkdtempSync(join(tmpdir(), 'none-'))), {});
    const pins = readPins(paths.tools);
    for (const key of ['HELM_VERSION', 'KUBERNETES_VERSION', 'FLUX_VERSION', 'CONTROLLER_GEN_VERSION']) assert.match(pins[key] ?? '', /^v\d/, key);
  });
});
