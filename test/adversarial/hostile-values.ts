/**
 * fast-check arbitraries that write values files the way a hostile or confused
 * author would: every key of the contract (charts/app/values.schema.json) with
 * valid, boundary and hostile values of every YAML type, unknown keys, wrong
 * shapes, duplicate keys, anchors, aliases and merge keys, several documents,
 * tabs, a BOM, broken YAML; hostile app names; binding URLs aimed into the
 * cluster; allow lists with system namespaces; resources of every unit.
 *
 * A case is the values file's text and the app name (the folder or --name).
 * Most cases start from a valid file and change a few fields, so that enough
 * of them pass the contract to reach the chart and the policies.
 */
import fc from 'fast-check';

export interface HostileCase {
  /** The app name, as the folder name or `--name`. */
  name: string;
  /** The values file, as written. */
  text: string;
}

/** Scalars of every YAML type, as YAML source text (plain or quoted). */
const TRICKY_SCALARS = [
  '0',
  '-1',
  '-0',
  '1e-9',
  '1e309',
  '99999999999999999999',
  '06654',
  '0o17',
  '0x1F',
  '1_0',
  '.5',
  '+1',
  '.inf',
  '-.inf',
  '.nan',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'true',
  'false',
  'True',
  'FALSE',
  'null',
  'Null',
  '~',
  '',
  '""',
  "''",
  '"0x1F"',
  '"06654"',
  '"yes"',
  '"null"',
  '"~"',
  '" "',
  '"\\t"',
  '"\\u0000"',
  '"\\x07bell"',
  '"\\u202etxt"',
  '"é"',
  '"应用"',
  '"🐴"',
  '[]',
  '{}',
  '[1, 2]',
  '{a: 1}',
  '!!binary aGVsbG8=',
  '!!str 1',
  '!!int "3"',
  '!!float 1',
  '2026-12-01',
  '12:30:00',
  `"${'a'.repeat(300)}"`,
  'a'.repeat(70),
  '|\n  multi\n  line',
  '>-\n  folded',
  '"$(rm -rf /)"',
  '"{{ .Release.Name }}"',
  '\'{{ fail "x" }}\'',
  '"${HOME}"',
  '"--set=a"',
  '"\\n  hostNetwork: true"',
];
const trickyScalar = fc.constantFrom(...TRICKY_SCALARS);

const quote = (s: string): string => JSON.stringify(s);

/** Either plain or double-quoted, the way authors mix them. */
function asYaml(s: string): fc.Arbitrary<string> {
  return fc.constantFrom(s, quote(s), `'${s.replace(/'/g, "''")}'`);
}

const SYSTEM_NAMESPACES = [
  'default',
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'dapr-system',
  'flux-system',
  'monitoring',
  'redis-system',
  'vault-system',
  'harbor-system',
  'paddock-system',
  'cert-manager',
  'external-secrets',
];

/** Hostile and valid app names (the folder name / --name). */
const appName: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('app1', 'app2', 'shop', 'my-app', 'a', 'a1', 'todo-list-9') },
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'system',
      'admin',
      'default',
      'root',
      'yes',
      'no',
      'null',
      'true',
      'on',
      'kube-system',
      'kube-proxy',
      'kube-app',
      'dapr-system',
      'dapr-app',
      'flux-system',
      'monitoring',
      'redis',
      'vault',
      'kubernetes',
      'harbor',
      'paddock',
      'paddock-system',
      'platform',
      'app1-ns',
      'x-ns',
      'App1',
      'APP',
      'my.app',
      'my_app',
      '-app',
      'app-',
      '1app',
      '0',
      'a--b',
      'a'.repeat(54),
      'a'.repeat(60),
      'a'.repeat(61),
      'a'.repeat(64),
      'ápp',
      'app\u200b',
      'app name',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 70 }) },
);

const ipLiterals = [
  '10.0.0.1',
  '127.0.0.1',
  '169.254.169.254',
  '192.168.1.1',
  '172.16.0.1',
  '100.64.0.1',
  '0.0.0.0',
  '0',
  '2130706433',
  '0x7f000001',
  '0177.0.0.1',
  '127.1',
  '10.1',
  '0x0a.0.0.1',
  '[::1]',
  '[::ffff:127.0.0.1]',
  '[fd00::1]',
  '[fe80::1]',
  '[0:0:0:0:0:0:0:1]',
  '1.1.1.1',
  '8.8.8.8',
  '169.254.169.254.nip.io',
  '10.0.0.1.nip.io',
  '127.0.0.1.sslip.io',
  '0a000001.nip.io',
];
const clusterHosts = [
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
  'vault.vault-system',
  'vault.vault-system:8200',
  'vault.vault-system.svc',
  'redis.redis-system',
  'redis.redis-system.svc.cluster.local',
  'x.app1-ns',
  'app2.app2-ns.svc',
  'localhost',
  'localhost.',
  'LOCALHOST',
  'foo.localhost',
  'metadata.google.internal',
  'host.docker.internal',
  'dapr-api.dapr-system',
  'harbor.harbor-system.svc.cluster.local',
  'printer.lan',
  'nas.home.arpa',
  'a.corp',
  'x.local',
  'kube-dns.kube-system',
  'api.example.com.',
  'api.example.com..',
  'api.example.c',
];
const publicHosts = ['api.example.com', 'hooks.slack.com', 'api.anthropic.com', 'www.gov.uk', 'example.co', 'xn--bcher-kva.example'];

/** Binding URLs: public ones, and ones aimed into the cluster in every spelling. */
const bindingUrl: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(
      'https://',
      'http://',
      'HTTPS://',
      'https:/',
      'ftp://',
      'file://',
      '//',
      'https://user:pass@',
      'https://api.example.com@',
      'https://a@b@',
      '',
    ),
    fc.oneof(fc.constantFrom(...publicHosts), fc.constantFrom(...clusterHosts), fc.constantFrom(...ipLiterals), fc.domain()),
    fc.constantFrom('', ':443', ':8200', ':6379', ':0', ':99999', ':'),
    fc.constantFrom('', '/', '/v1/x', '?a=b', '#frag', '/%2e%2e/', '/\\@10.0.0.1', ' /x', '/x\n', '\\@kubernetes.default'),
  )
  .map(([scheme, host, port, path]) => `${scheme}${host}${port}${path}`);

/** An allow-list entry: app namespaces, system namespaces, wildcards, oddities. */
const nsEntry = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('app1-ns', 'app2-ns', 'shop-ns', 'a-ns') },
  { weight: 3, arbitrary: fc.constantFrom(...SYSTEM_NAMESPACES, ...SYSTEM_NAMESPACES.map((n) => `${n}-ns`)) },
  { weight: 2, arbitrary: fc.constantFrom('*', '*-ns', '"*"', 'app1', '-ns', 'App1-ns', 'app1-ns ', 'app1-NS', 'kube-*', '0-ns', 'null', '~', '""', 'yes') },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,58}-ns$/) },
);
const nsList: fc.Arbitrary<string> = fc.oneof(
  fc.array(nsEntry, { maxLength: 6 }).map((a) => `[${a.join(', ')}]`),
  fc.array(nsEntry, { minLength: 1, maxLength: 4 }).map((a) => a.map((e) => `\n    - ${e}`).join('')),
  fc.integer({ min: 49, max: 52 }).map((n) => `[${Array.from({ length: n }, (_, i) => `n${i}-ns`).join(', ')}]`),
  fc.constant('[app1-ns, app1-ns]'),
  trickyScalar,
);

const cpuValue = fc
  .oneof(
    fc.constantFrom(
      '250m',
      '0.5',
      '.5',
      '1',
      '2',
      '2.0',
      '2.001',
      '2001m',
      '2000m',
      '1m',
      '0m',
      '0',
      '0.0001',
      '1e-9',
      '1e3m',
      '500M',
      '1k',
      '1Ki',
      '-1',
      '-100m',
      '1.5m',
      '0x1F',
      '06654',
      '1_0',
      'one',
      '2 ',
      ' 1',
      '1Gi',
      '1e0',
    ),
    fc.double({ min: -10, max: 10, noNaN: true }).map(String),
    fc.integer({ min: -5, max: 5000 }).map((n) => `${n}m`),
  )
  .chain(asYaml);
const memValue = fc
  .oneof(
    fc.constantFrom(
      '256Mi',
      '1Gi',
      '2Gi',
      '2.0Gi',
      '2049Mi',
      '2048Mi',
      '2147M',
      '2148M',
      '2G',
      '0Mi',
      '0',
      '1',
      '1Ki',
      '1Ti',
      '1Pi',
      '1Ei',
      '1e9',
      '2147483648',
      '512m',
      '1E',
      '1.5Gi',
      '-1Gi',
      '0.5Gi',
      '1gi',
      '1MB',
      '100mi',
      '0x10Mi',
      '1_0Mi',
      '1e3Mi',
    ),
    fc.integer({ min: -2, max: 5000 }).map((n) => `${n}Mi`),
  )
  .chain(asYaml);

const resourcesBlock = fc
  .record({
    rc: fc.option(fc.oneof(cpuValue, trickyScalar), { nil: undefined }),
    rm: fc.option(fc.oneof(memValue, trickyScalar), { nil: undefined }),
    lc: fc.option(fc.oneof(cpuValue, trickyScalar), { nil: undefined }),
    lm: fc.option(fc.oneof(memValue, trickyScalar), { nil: undefined }),
    extra: fc.option(fc.constantFrom('    ephemeral-storage: 1Gi', '    nvidia.com/gpu: 1', '    hugepages-2Mi: 1Gi'), { nil: undefined }),
  })
  .map(({ rc, rm, lc, lm, extra }) => {
    const part = (cpu?: string, mem?: string) =>
      [cpu !== undefined ? `    cpu: ${cpu}` : '', mem !== undefined ? `    memory: ${mem}` : '', extra ?? ''].filter(Boolean).join('\n');
    return `resources:\n  requests:\n${part(rc, rm) || '    {}'}\n  limits:\n${part(lc, lm) || '    {}'}`;
  });

const tagValue = fc.oneof(
  fc.constantFrom(
    '"1.0.0"',
    '1.0.0',
    '1.0',
    '1',
    '1.10',
    '"latest"',
    'latest',
    'LATEST',
    'Latest',
    'stable',
    'main',
    'dev',
    'edge',
    'nightly',
    'head',
    'prod',
    'test',
    'current',
    'release',
    'v1',
    'sha-abc',
    '"1.0.0 "',
    '":latest"',
    '"1.0.0@sha256:00"',
    'a'.repeat(129),
    '_x',
    '.x',
    '-x',
    '"latest\\u0000"',
    'lateſt',
  ),
  fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,20}$/),
);
const repoValue = (name: string) =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constant(`localhost:30000/platform/${name}`) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        'localhost:30000/platform/app',
        'harbor.harbor-system.svc.cluster.local/platform/x',
        'docker.io/library/nginx',
        'nginx',
        'ghcr.io/evil/x',
        'localhost:30000',
        'localhost:30001/p/x',
        'localhost:30000/../x',
        'LOCALHOST:30000/p/x',
        'localhost:30000/p/x:1.0',
        'localhost:30000/p/x@sha256:abc',
        'localhost:30000.evil.com/p/x',
        'evil.com/localhost:30000/p',
        '127.0.0.1:30000/p/x',
        '',
      ),
    },
  );

/** One top-level key of the contract with a valid, boundary or hostile value. */
function contractKey(name: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.integer({ min: -1, max: 70000 }).map((n) => `port: ${n}`),
    fc
      .constantFrom(
        'port: 3500',
        'port: 9090',
        'port: 50001',
        'port: 1023',
        'port: 1024',
        'port: 65535',
        'port: 65536',
        'port: "8080"',
        'port: 8080.0',
        'port: 0x1F90',
        'port: 017620',
        'port: 8_080',
      )
      .map((s) => s),
    trickyScalar.map((s) => `port: ${s}`),
    fc
      .constantFrom('/health', '/', '/a/../../etc', '/%2e', 'health', '/h?x=1', '/h h', '/\u0000', '//x', `/${'a'.repeat(250)}`)
      .chain(asYaml)
      .map((s) => `healthPath: ${s}`),
    trickyScalar.map((s) => `healthPath: ${s}`),
    fc
      .constantFrom(name, 'app1', 'app2', '', 'system', 'kube-system', 'App', 'a'.repeat(64), 'pool.x', '-x')
      .chain(asYaml)
      .map((s) => `nodepool: ${s}`),
    trickyScalar.map((s) => `nodepool: ${s}`),
    fc
      .constantFrom('team', 'a@b.com', '"x\\ny: 1"', '"<script>"', '"a\\u0000b"', 'a'.repeat(101), '"Team Ω"', '" lead"', '"{{ .Values }}"')
      .map((s) => `owner: ${s}`),
    trickyScalar.map((s) => `owner: ${s}`),
    fc.integer({ min: -2, max: 10 }).map((n) => `replicas: ${n}`),
    trickyScalar.map((s) => `replicas: ${s}`),
    fc.constantFrom('small', 'medium', 'large', 'xlarge', 'Small', 'tiny', '"large "', 'huge').map((s) => `size: ${s}`),
    trickyScalar.map((s) => `size: ${s}`),
    resourcesBlock,
    trickyScalar.map((s) => `resources: ${s}`),
    fc
      .tuple(fc.constantFrom('true', 'false', 'yes', 'on', '1', '~', '"true"'), nsList, nsList)
      .map(([e, i, o]) => `networkPolicy:\n  enabled: ${e}\n  allowIngressFrom: ${i}\n  allowEgressTo: ${o}`),
    fc.tuple(nsList, nsList).map(([i, o]) => `networkPolicy:\n  allowIngressFrom: ${i}\n  allowEgressTo: ${o}`),
    fc
      .constantFrom('statestore', 'pubsub')
      .chain((k) =>
        fc
          .oneof(fc.constantFrom('true', 'false', 'yes', 'no', 'on', 'off', '"true"', '1', '0', '~', 'null', 'True'), trickyScalar)
          .map((v) => `${k}: { enabled: ${v} }`),
      ),
    fc.constantFrom('statestore', 'pubsub', 'secretstore', 'binding').chain((k) => trickyScalar.map((v) => `${k}: ${v}`)),
    fc.constantFrom(
      'pubsub: { enabled: true, topics: [orders] }',
      'statestore: { enabled: true, host: redis.redis-system:6379 }',
      'statestore: { enabled: true, keyPrefix: none }',
    ),
    fc
      .tuple(
        fc.constantFrom('true', 'false', 'yes', '"true"'),
        fc.array(
          fc.oneof(
            fc.constantFrom('api-key', '../app2', 'dapr/app2', '*', '', 'a'.repeat(254), '.x', 'a/b', 'k1', 'k1', '"k 1"', 'null', '~', '06654'),
            fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,12}$/),
          ),
          { maxLength: 5 },
        ),
      )
      .map(([e, keys]) => `secretstore:\n  enabled: ${e}\n  keys: [${keys.join(', ')}]`),
    fc
      .tuple(
        fc.constantFrom('true', 'yes', 'false', '"true"', 'on'),
        fc.constantFrom('api', 'webhook', 'statestore', 'kubernetes', 'pubsub', 'Api', 'a'.repeat(64), '', 'x_y', 'app1'),
        bindingUrl.chain(asYaml),
      )
      .map(([e, n, u]) => `binding:\n  enabled: ${e}\n  name: ${n}\n  url: ${u}`),
    fc.constantFrom(
      'binding: { enabled: true }',
      'binding: { name: api, url: "https://10.0.0.1" }',
      'binding: { enabled: true, name: api, url: https://api.example.com, method: GET }',
    ),
    fc.tuple(repoValue(name), tagValue).map(([r, t]) => `image:\n  repository: ${r}\n  tag: ${t}`),
    fc.constantFrom(
      'image: localhost:30000/platform/app:1.0.0',
      'image: {}',
      'image: ~',
      'image: [a]',
      `image:\n  repository: localhost:30000/platform/${name}\n  tag: "1.0.0"\n  digest: sha256:${'a'.repeat(64)}`,
      `image:\n  repository: localhost:30000/platform/${name}\n  tag: "1.0.0"\n  digest: "sha256:zz"`,
      `image:\n  repository: localhost:30000/platform/${name}\n  tag: "1.0.0"\n  pullPolicy: Always`,
    ),
  );
}

/** Keys that are not in the contract, the ones an author or an LLM reaches for. */
const unknownKey = fc.constantFrom(
  'securityContext: { privileged: true, runAsUser: 0 }',
  'hostNetwork: true',
  'hostPID: true',
  'hostIPC: true',
  'podSecurityContext: { runAsNonRoot: false }',
  'platform:\n  registries: [docker.io]',
  'platform:\n  nodePools: { key: x }',
  'platform: { kubeVersion: "1.20.0" }',
  'platform: ~',
  'platform: []',
  'platform: evil',
  'dapr: { enabled: false }',
  'dapr:\n  appId: app2',
  'tolerations: [{ operator: Exists }]',
  'nodeSelector: { a: b }',
  'affinity: {}',
  'serviceAccountName: default',
  'automountServiceAccountToken: true',
  'volumes: [{ name: h, hostPath: { path: / } }]',
  'env: [{ name: A, value: b }]',
  'command: [sh]',
  'args: ["-c", "id"]',
  'namespace: kube-system',
  'name: admin',
  'fullnameOverride: kube-system',
  'nameOverride: x',
  'global: { imageRegistry: docker.io }',
  'ingress: { enabled: true }',
  'service: { type: NodePort }',
  'extraObjects: [{}]',
  'annotations: { dapr.io/enabled: "false" }',
  'labels: { paddock.dev/app: app2 }',
  'Image: { repository: x }',
  '"image ": {}',
  'port : 8080',
  '? port\n: 8080',
  '<<: { hostNetwork: true }',
);

/** Whole-file transformations: the YAML oddities. */
function yamlMutation(base: string, name: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant(base) },
    fc.constant(`\uFEFF${base}`),
    fc.constant(base.replace(/\n {2}/g, '\n\t')),
    fc.constant(base.replace(/\n/g, '\r\n')),
    fc.constant(`${base}\n---\nimage: { repository: docker.io/evil, tag: latest }\n`),
    fc.constant(`---\n${base}\n---\n`),
    fc.constant(`${base}\n...\nhostNetwork: true\n`),
    fc.constant(`%YAML 1.1\n---\n${base}`),
    fc.constant(`%YAML 1.2\n---\n${base}`),
    fc.constant(`${base}\nport: 8080\nport: 9090\n`),
    fc.constant(`${base}\nimage:\n  repository: docker.io/evil\n  tag: latest\n`),
    fc.constant(`defaults: &d\n  enabled: true\n${base}\nstatestore: *d\n`),
    fc.constant(`${base}\nstatestore:\n  <<: { enabled: true }\n`),
    fc.constant(`${base}\nnetworkPolicy:\n  <<: &np { allowIngressFrom: [kube-system] }\n`),
    fc.constant(`x: &x { hostNetwork: true }\n${base}\n<<: *x\n`),
    fc.constant(`${base}\n*undefined_alias: 1\n`),
    fc.constant(`${base}\nowner: *nope\n`),
    fc.tuple(fc.integer({ min: 2, max: 9 }), fc.boolean()).map(([depth, use]) => {
      // An alias bomb of bounded size: each level repeats the one before it three times (3^depth leaves).
      const lines = ['  a0: &a0 [x, x, x]'];
      for (let i = 1; i <= depth; i++) lines.push(`  a${i}: &a${i} [*a${i - 1}, *a${i - 1}, *a${i - 1}]`);
      return `${base}\nbomb:\n${lines.join('\n')}\n${use ? `owner: *a${depth}\n` : ''}`;
    }),
    fc.integer({ min: 2, max: 8 }).map((depth) => {
      const lines = [`owner: &o0 team`];
      const list = ['x0: &x0 [*o0, *o0, *o0, *o0]'];
      for (let i = 1; i <= depth; i++) list.push(`x${i}: &x${i} [*x${i - 1}, *x${i - 1}, *x${i - 1}, *x${i - 1}]`);
      return `${base}\n${lines.join('\n')}\nstatestore:\n  enabled: true\n  ${list.join('\n  ')}\n`;
    }),
    fc.constant(`${base}\nimage: [unclosed\n`),
    fc.constant(`${base}\n  : broken: : yaml\n`),
    fc.constant(`${base}\n"unterminated: 1\n`),
    fc.constant(`${base}\n\tport: 8080\n`),
    fc.constant(`${base}\n!!python/object:os.system "id": 1\n`),
    fc.constant(`${base}\nowner: !!js/function "function(){}"\n`),
    fc.constant(`${base}\n? [a, b]\n: complex-key\n`),
    fc.constant(`${base}\n1: numeric key\n`),
    fc.constant(`${base}\nnull: 1\n`),
    fc.constant(`${base}\n${'#'.repeat(10000)}\n`),
    fc.constant(`${base}\nowner: "${'x'.repeat(100000)}"\n`),
    fc.constant(`${'['.repeat(2000)}${']'.repeat(2000)}\n`),
    fc.constant(`${'- '.repeat(500)}x\n`),
    fc.constant(''),
    fc.constant('~\n'),
    fc.constant('[]\n'),
    fc.constant('just a string\n'),
    fc.constant('42\n'),
    fc.constant('\u0000\u0001\u0002'),
    fc.constant(`image:\n  repository: localhost:30000/platform/${name}\n  tag: "1.0.0"\n  tag: "latest"\n`),
  );
}

/** The valid core every case starts from (unless an override replaces a key). */
function baseFile(name: string): string {
  return `image:\n  repository: localhost:30000/platform/${name}\n  tag: "1.0.0"`;
}

/**
 * Keys written so that the contract may well accept them: the boundary values,
 * the spellings YAML reads in more than one way, and the hostile values that
 * hide inside the contract's patterns. These are what reach the chart.
 */
function plausibleKey(name: string): fc.Arbitrary<string> {
  const ns = fc.oneof(
    fc.constantFrom('app1-ns', 'app2-ns', 'shop-ns', `${name}-ns`, 'kube-ns', 'dapr-ns', 'system-ns', 'null-ns', 'x-ns'),
    fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]-ns$/),
  );
  return fc.oneof(
    fc
      .oneof(
        fc.integer({ min: 1024, max: 65535 }).map(String),
        fc.constantFrom('1024', '65535', '06654', '07654', '010000', '0o17620', '0x1F90', '8_080', '3_500', '1e4', '8080.0', '+8080'),
      )
      .map((p) => `port: ${p}`),
    fc.constantFrom('/health', '/', '/a/b', '/.well-known/x', '/~u', `/${'a'.repeat(199)}`).map((h) => `healthPath: ${h}`),
    fc.constantFrom(name, '', '""').map((n) => `nodepool: ${n}`),
    fc.constantFrom('team', 'a@b.com', 'Team Ω', 'x'.repeat(100), '1', 'yes', 'on', 'null x', '0x1F').map((o) => `owner: ${o}`),
    fc.constantFrom('1', '5', '2', '0x3', '0o3', '03', '1_0', '1.0', '5.0').map((r) => `replicas: ${r}`),
    fc.constantFrom('small', 'medium', 'large').map((z) => `size: ${z}`),
    fc
      .tuple(
        fc.oneof(
          fc.constantFrom(
            '250m',
            '"250m"',
            '0.5',
            '.5',
            '1',
            '2',
            '2.0',
            '2000m',
            '1m',
            '0',
            '0.0',
            '-0',
            '1e-9',
            '-1',
            '-2',
            '2.5',
            '1e3',
            '0x1',
            '0o2',
            '1_0',
            '.001',
            '0.0001',
            '"0.5"',
            '"2"',
          ),
          fc.double({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true }).map(String),
        ),
        fc.constantFrom('256Mi', '1Gi', '2Gi', '2048Mi', '2.0Gi', '2147M', '2G', '1M', '1Mi', '"64Mi"'),
        fc.oneof(
          fc.constantFrom('500m', '1', '2', '0', '-1', '1e-9', '2.0', '3', '1e9', '0x2', '"1"'),
          fc.double({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true }).map(String),
        ),
        fc.constantFrom('256Mi', '512Mi', '1Gi', '2Gi', '2048Mi', '2G', '2147M', '1Mi'),
      )
      .map(([rc, rm, lc, lm]) => `resources:\n  requests: { cpu: ${rc}, memory: ${rm} }\n  limits: { cpu: ${lc}, memory: ${lm} }`),
    fc
      .tuple(fc.array(ns, { maxLength: 4 }), fc.array(ns, { maxLength: 4 }), fc.constantFrom('', '  enabled: true\n'))
      .map(([i, o, e]) => `networkPolicy:\n${e}  allowIngressFrom: [${[...new Set(i)].join(', ')}]\n  allowEgressTo: [${[...new Set(o)].join(', ')}]`),
    fc.constantFrom('statestore', 'pubsub', 'secretstore').chain((k) => fc.constantFrom('true', 'false').map((v) => `${k}: { enabled: ${v} }`)),
    fc
      .array(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/), { maxLength: 4 })
      .map((keys) => `secretstore:\n  enabled: true\n  keys: [${[...new Set(keys)].map((k) => JSON.stringify(k)).join(', ')}]`),
    fc
      .tuple(
        fc.constantFrom('api', 'webhook', 'slack', 'x1'),
        fc.oneof(
          { weight: 1, arbitrary: fc.constantFrom(...publicHosts) },
          { weight: 2, arbitrary: fc.constantFrom(...clusterHosts, ...ipLiterals) },
          { weight: 1, arbitrary: fc.domain() },
        ),
        fc.constantFrom('', ':443', ':8200', ':6379', ':8443'),
        fc.constantFrom('', '/', '/v1/x', '?a=b', '/@10.0.0.1', '#@kubernetes.default'),
      )
      .map(([n, h, p, path]) => `binding:\n  enabled: true\n  name: ${n}\n  url: ${JSON.stringify(`https://${h}${p}${path}`)}`),
    fc
      .tuple(
        fc.constantFrom(
          `localhost:30000/platform/${name}`,
          'localhost:30000/x',
          'harbor.harbor-system.svc.cluster.local/platform/x',
          'localhost:30000/platform/a/b/c',
        ),
        fc.constantFrom(
          '"1.0.0"',
          '1.0.0',
          '1.0',
          '1.10',
          '1',
          '"v2"',
          'sha-1',
          'latest-1',
          'Latest1',
          '_',
          '1e3',
          '0x1F',
          '06654',
          'yes',
          'null',
          '"1.0.0"\n  digest: ""',
          `"1.0.0"\n  digest: sha256:${'0'.repeat(64)}`,
        ),
      )
      .map(([r, t]) => `image:\n  repository: ${r}\n  tag: ${t}`),
  );
}

/** YAML spellings that keep a valid file valid (for a reader that reads it as the contract does). */
function benignMutation(base: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(base) },
    fc.constant(`\uFEFF${base}`),
    fc.constant(base.replace(/\n/g, '\r\n')),
    fc.constant(`---\n${base}\n`),
    fc.constant(`%YAML 1.1\n---\n${base}`),
    fc.constant(`# comment\n${base}\n# trailing`),
    fc.constant(`${base}\n...\n`),
    fc.constant(`${base}\nstatestore: &s { enabled: true }\npubsub: *s\n`),
    fc.constant(`${base}\nstatestore:\n  <<: { enabled: true }\n`),
  );
}

/** The valid or nearly valid half of the cases: these reach the chart and the policies. */
const plausibleCase: fc.Arbitrary<HostileCase> = appName.chain((name) => {
  const safe = /^[a-z][-a-z0-9]*$/.test(name) ? name : 'app';
  return fc.tuple(fc.array(plausibleKey(safe), { maxLength: 7 }), fc.option(contractKey(safe), { freq: 4, nil: undefined })).chain(([keys, hostile]) => {
    const byKey = new Map<string, string>([['image', baseFile(name)]]);
    for (const k of [...keys, ...(hostile ? [hostile] : [])]) byKey.set(k.split(':')[0] ?? k, k);
    return benignMutation([...byKey.values()].join('\n')).map((text) => ({ name, text: `${text}\n` }));
  });
});

/** The openly hostile half: unknown keys, wrong shapes, YAML oddities, broken files. */
const wildCase: fc.Arbitrary<HostileCase> = appName.chain((name) =>
  fc
    .tuple(
      fc.array(contractKey(/^[a-z][-a-z0-9]*$/.test(name) ? name : 'app'), { maxLength: 6 }),
      fc.array(unknownKey, { maxLength: 1 }),
      fc.boolean(),
      fc.boolean(),
    )
    .chain(([keys, unknown, keepBase, shuffle]) => {
      // A later key of the same name would be a duplicate key; keep only the last unless the mutation adds one on purpose.
      const byKey = new Map<string, string>();
      for (const k of keys) byKey.set(k.split(':')[0] ?? k, k);
      const body = [...byKey.values()];
      if (!byKey.has('image') && keepBase) body.unshift(baseFile(name));
      if (shuffle) body.reverse();
      const base = [...body, ...unknown].join('\n') || baseFile(name);
      return yamlMutation(base, name).map((text) => ({ name, text: text.endsWith('\n') ? text : `${text}\n` }));
    }),
);

/** A whole hostile values file, with its app name. */
export const hostileCase: fc.Arbitrary<HostileCase> = fc.oneof(plausibleCase, wildCase);

/** The fixed seed of `make test`'s run; replay another with FUZZ_SEED. */
export const DEFAULT_SEED = 20261201;
