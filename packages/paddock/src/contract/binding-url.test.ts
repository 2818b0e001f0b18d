import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bindingHosts, judgeBindingUrl } from './binding-url.js';

test('the host data: real TLDs, lower-case; the private names; the platform namespaces', () => {
  const h = bindingHosts();
  assert.ok(h.tlds.length > 1000);
  assert.ok(h.tlds.every((t) => /^[a-z0-9-]+$/.test(t)) && h.tlds.includes('com') && h.tlds.includes('no') && h.tlds.includes('xn--p1ai'));
  for (const notOne of ['local', 'localhost', 'internal', 'svc', 'cluster', 'lan', 'corp', 'home', 'test', 'example', 'invalid', 'onion', 'default'])
    assert.ok(!h.tlds.includes(notOne), notOne);
  for (const ns of h.platformNamespaces) assert.ok(!h.tlds.includes(ns), `${ns} is no TLD, or hosts ending in it would pass`);
  assert.deepEqual(new Set(h.tlds).size, h.tlds.length);
});

test('binding URLs: only https to a fully qualified public host, port 443', () => {
  const refused: [string, RegExp][] = [
    ['http://hooks.slack.com/x', /https/],
    ['HTTPS://hooks.slack.com/x', /https/],
    ['ftp://x.com', /https/],
    ['https://vault.vault-system:8200/v1', /port 8200/],
    ['https://vault.vault-system/v1', /top-level domain \("vault-system"/],
    ['https://kubernetes.default', /top-level domain/],
    ['https://redis.redis-system', /top-level/],
    ['https://app1-dapr.app1-ns/', /top-level/],
    ['https://x.svc/', /top-level/],
    ['https://redis.redis-system.svc.cluster.local/', /"local" is not one/],
    ['https://VAULT.VAULT-SYSTEM/', /vault-system/],
    ['https://hooks.slack.com./x', /ends with a dot/],
    ['https://vault%2evault-system/', /not a host name/],
    ['https://vault%2Evault-system.com/', /not a host name/],
    ['https://u:p@hooks.slack.com/', /user name/],
    ['https://hooks.slack.com@vault.vault-system/', /user name/],
    ['https://evil.com\\@vault.vault-system/', /user name/],
    ['https://hooks.slack.com:8443/', /port 8443/],
    ['https://hooks.slack.com:/', /port \(none\)/],
    ['https://hooks.slack.com:0443/', /port 0443/],
    ['https://10.0.0.1/', /IP address/],
    ['https://0177.0.0.1/', /IP address/],
    ['https://2130706433/', /not a host name/],
    ['https://0x7f000001/', /not a host name/],
    ['https://[::1]/', /IP address/],
    ['https://[fd00::1]:443/', /IP address/],
    ['https://127.1/', /IP address/],
    ['https://localhost/', /not a host name/],
    ['https://a.localhost/', /top-level/],
    ['https://localtest.me/', /"localtest.me"/],
    ['https://x.lvh.me/', /"lvh.me"/],
    ['https://10.0.0.1.nip.io/', /"nip.io"/],
    ['https://a.sslip.io/', /sslip/],
    ['https://db.home.arpa/', /"arpa"/],
    ['https://hooks.monitoring.com/', /namespace of the cluster in it \("monitoring"\)/],
    ['https://a.app2-ns.io/', /"app2-ns"/],
    ['https://', /not a host name/],
    ['https:///x', /not a host name/],
  ];
  for (const [url, why] of refused) {
    const { problem } = judgeBindingUrl(url);
    assert.match(problem ?? 'accepted', why, url);
    assert.ok(!problem?.includes('/x') && !problem?.includes('/v1'), 'a message names the host, not the URL');
  }
  for (const url of [
    'https://hooks.slack.com/services/T0/B0/XXXX',
    'https://api.example.com:443/v1?x=1#y',
    'https://HOOKS.SLACK.COM/x',
    'https://xn--80aswg.xn--p1ai/',
    'https://a.b.c.d.e.f.io/',
  ]) {
    assert.deepEqual(judgeBindingUrl(url).problem, undefined, url);
  }
});
