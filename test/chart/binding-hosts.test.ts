// The lists and bounds that several checkers share must be the same in each:
// the policy's copy of charts/app/files/binding-hosts.yaml, and the CPU and
// memory maximum of the contract, the chart and the pod-resources policy.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { bindingHosts, bindingHostsFile } from 'paddock/contract/binding-url.js';
import { platformSettings } from 'paddock/contract/platform-settings.js';
import { loadPolicies } from 'paddock/policies/load.js';
import { paths } from 'paddock/paths.js';

const policies = loadPolicies();
const policy = (name: string) => policies.policies.find((p) => p.metadata.name === name)!;
const variable = (policyName: string, name: string): string => policy(policyName).spec.variables!.find((v) => v.name === name)!.expression;
const celStrings = (expr: string): string[] => [...expr.matchAll(/'([^']*)'/g)].map((m) => m[1]!);

test('the binding policy holds the same TLDs, private names and namespaces as binding-hosts.yaml', () => {
  const data = bindingHosts();
  for (const [cel, list] of [
    ['tlds', data.tlds],
    ['privateSuffixes', data.privateSuffixes],
    ['platformNamespaces', data.platformNamespaces],
  ] as const) {
    const copy = celStrings(variable('paddock-dapr-binding-hosts', cel));
    const missing = list.filter((x) => !copy.includes(x));
    const extra = copy.filter((x) => !list.includes(x));
    assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, `${cel} in dapr-binding-hosts.yaml differs from ${bindingHostsFile}`);
  }
});

test('the TLD snapshot says where and when it comes from', () => {
  const text = readFileSync(bindingHostsFile, 'utf8');
  assert.match(text, /https:\/\/data\.iana\.org\/TLD\/tlds-alpha-by-domain\.txt/);
  assert.match(text, /tlds@\d+\.\d+\.\d+ carried it on \d{4}-\d{2}-\d{2}: \d+ names/);
  assert.equal(Number(/: (\d+) names/.exec(text)![1]), bindingHosts().tlds.length);
});

test('the platform namespaces of binding-hosts.yaml are those the contract keeps out of allow lists', () => {
  const schema = JSON.parse(readFileSync(paths.contract, 'utf8'));
  const refused = schema.properties.networkPolicy.properties.allowEgressTo.items.not.enum as string[];
  assert.deepEqual([...bindingHosts().platformNamespaces].sort(), [...refused].sort());
});

test('one maximum per container: platform.maxContainer, the contract and paddock-pod-resources agree', () => {
  const max = platformSettings().maxContainer;
  const schema = JSON.parse(readFileSync(paths.contract, 'utf8'));
  for (const kind of ['requests', 'limits']) {
    const cpu = schema.properties.resources.properties[kind].properties.cpu;
    assert.equal(cpu.maximum, Number(max.cpu));
    assert.equal(cpu.minimum, 0.001);
    const memory = new RegExp(schema.properties.resources.properties[kind].properties.memory.pattern);
    assert.ok(memory.test(max.memory) && !memory.test('2049Mi') && !memory.test('0Mi'));
  }
  assert.equal(variable('paddock-pod-resources', 'maxCPU'), `quantity('${max.cpu}')`);
  assert.equal(variable('paddock-pod-resources', 'maxMemory'), `quantity('${max.memory}')`);
  const limitRange = readFileSync(join(paths.chart, 'templates', 'limitrange.yaml'), 'utf8');
  assert.match(limitRange, /max:\n\s+cpu: \{\{ \$max\.cpu \| quote \}\}/, 'the LimitRange maximum is platform.maxContainer too');
});
