/** The values.yaml `paddock new` writes: the contract's fields with a comment for each, in the author's words. */
import type { Answers } from './answers.js';

const q = (s: string): string => JSON.stringify(s);
const list = (xs: string[]): string => `[${xs.join(', ')}]`;

export function renderValues(a: Answers, schemaRef: string): string {
  const lines = [
    `# yaml-language-server: $schema=${schemaRef}`,
    `# ${a.name}: written by \`paddock new\`. Check it with \`npx paddock validate\` and \`npx paddock doctor\`.`,
    "# Everything not written here (network, security, limits, Dapr) is the platform's job.",
    '',
    '# The container image of the app, from the platform registry, by a fixed version (never `latest`).',
    'image:',
    `  repository: ${q(a.image)}`,
    `  tag: ${q(a.tag)}`,
    '',
    ...(a.port === 'none'
      ? ['# The app answers no web requests (a worker or a client): no address, no one can call it.', 'port: none']
      : [
          '# The port the app listens on (the platform also passes it to the app as $PORT).',
          `port: ${a.port}`,
          ...(a.healthPath
            ? ['# The path that answers 200 once the app can serve; until then it gets no requests.', `healthPath: ${q(a.healthPath)}`]
            : [
                '# No health path: the platform checks that the app accepts connections on its port.',
                '# (Add `healthPath: /health` once the app answers 200 there when it can serve.)',
              ]),
        ]),
    '# How much CPU and memory the app gets: small, medium or large.',
    `size: ${a.size}`,
  ];
  if (a.owner) lines.push('# Who to ask about this app.', `owner: ${q(a.owner)}`);
  lines.push(
    '',
    'networkPolicy:',
    ...(a.port === 'none'
      ? ['  # No other app can call an app without a port.']
      : ['  # Apps that may call this one, through Dapr (each app lives in `<app>-ns`).', `  allowIngressFrom: ${list(a.callers.map((c) => `${c}-ns`))}`]),
    '  # Apps this one calls, through Dapr: http://localhost:$DAPR_HTTP_PORT/v1.0/invoke/<app>.<app>-ns/method/…',
    `  allowEgressTo: ${list(a.calls.map((c) => `${c}-ns`))}`,
    '',
    '# "Remember things between restarts": a Dapr state store named `statestore` (/v1.0/state/statestore).',
    `statestore: { enabled: ${a.state} }`,
    '',
    '# "API keys or passwords": a Dapr secret store named `secretstore` (/v1.0/secrets/secretstore/<key>).',
    '# Only the keys listed are readable; the platform team stores their values.',
    'secretstore:',
    `  enabled: ${a.secrets}`,
    `  keys: ${list(a.secrets ? a.secretKeys : [])}`,
    '',
    '# "Send or receive events": a Dapr pub/sub named `pubsub` (/v1.0/publish/pubsub/<topic>).',
    ...(a.pubsub
      ? [
          'pubsub:',
          '  enabled: true',
          '  # The topics it sends (each owned by its one publisher) and receives. Nothing is',
          '  # sent or received until they are listed here, e.g. publishes: [orders].',
          '  publishes: []',
          '  subscribes: []',
        ]
      : ['pubsub: { enabled: false }']),
    '',
    '# "Call a web service on the internet": a Dapr output binding. To use it, set',
    '# enabled: true, a name, and the https address; the app POSTs to /v1.0/bindings/<name>.',
    'binding: { enabled: false }',
    '',
  );
  return lines.join('\n');
}
