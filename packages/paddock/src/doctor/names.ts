/** Name tables shared by the language readers: which calls print, which libraries reach infrastructure. */

/** Environment variables the platform itself sets or Dapr injects; reading them is the convention, not a smell. */
export const PLATFORM_ENV = new Set([
  'PORT',
  'APP_ID',
  'DAPR_HTTP_PORT',
  'DAPR_GRPC_PORT',
  'HOME',
  'TMPDIR',
  'APP_API_TOKEN',
  'DAPR_API_TOKEN',
  'NAMESPACE',
  'HOSTNAME',
]);

const SECRET_NAME =
  /(^|[^a-z])(api[_-]?key|apikey|secret|token|passw(or)?d|passwd|pwd|credential|private[_-]?key|access[_-]?key|auth[_-]?key|client[_-]?secret|signing[_-]?key|webhook[_-]?url|dsn)([^a-z]|$)/i;
const NOT_SECRET_NAME =
  /(secrets?[_-]?(store|stores|name|names|path|dir|file|manager|provider|backend|engine|mount)s?([^a-z]|$)|public[_-]?key|publishable|token[_-]?(url|endpoint|type|count|limit|len|length)|max[_-]?tokens?|tokens?[_-]?(used|count)|key[_-]?(name|id|field|prefix)|csrf|_path$|_file$|_url_name|[_-](expire|expires|expiry|expiration|ttl|lifetime|timeout|minutes|hours|days|seconds|length|len|min|max|algorithm|algorithms|header|headers|required|enabled|policy|hashers?|validators?|reset_timeout|fallbacks|rotation|cookie_name|param|location)(_\w+)?$)/i;

/** Does a variable, key or setting name sound like it holds a credential? */
export function isSecretName(name: string): boolean {
  if (PLATFORM_ENV.has(name) || name.startsWith('DAPR_')) return false;
  const spaced = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2');
  return SECRET_NAME.test(spaced) && !NOT_SECRET_NAME.test(spaced);
}

/** OPENAI_API_KEY → openai-api-key: the secret-store key a secret read from the environment should become. */
export function secretKeyFor(envName: string): string {
  return (
    envName
      .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
      .toLowerCase()
      .replace(/[^a-z0-9.]+/g, '-')
      .replace(/^-|-$/g, '') || 'api-key'
  );
}

/** Calls whose string arguments are text for people, not addresses the app uses. */
export function isDisplayCall(callee: string): boolean {
  return /^(print|console\.\w+|logging\.\w+|(\w+\.)*(log|logger|_log|_logger|LOG|LOGGER)\.\w+|st\.\w+|click\.echo|warnings\.warn|res\.(send|json|render|write)|\w+\.status\(\d+\)\.(send|json)|(\w+\.)*(info|debug|warn|warning|error|exception|critical)|flash|render_template(_string)?|jsonify|HTTPException|abort|Error|TypeError|RuntimeError|ValueError|Exception)$/.test(
    callee,
  );
}

export type InfraKind = 'state' | 'db' | 'pubsub' | 'secrets' | 'cloud' | 'search';

export interface InfraLib {
  name: string;
  kind: InfraKind;
}

const PY_INFRA: Record<string, InfraLib> = {
  redis: { name: 'Redis', kind: 'state' },
  aioredis: { name: 'Redis', kind: 'state' },
  redis_om: { name: 'Redis', kind: 'state' },
  rq: { name: 'Redis Queue', kind: 'pubsub' },
  psycopg2: { name: 'PostgreSQL', kind: 'db' },
  psycopg: { name: 'PostgreSQL', kind: 'db' },
  asyncpg: { name: 'PostgreSQL', kind: 'db' },
  pymysql: { name: 'MySQL', kind: 'db' },
  'mysql.connector': { name: 'MySQL', kind: 'db' },
  mysql: { name: 'MySQL', kind: 'db' },
  MySQLdb: { name: 'MySQL', kind: 'db' },
  aiomysql: { name: 'MySQL', kind: 'db' },
  pymongo: { name: 'MongoDB', kind: 'state' },
  motor: { name: 'MongoDB', kind: 'state' },
  mongoengine: { name: 'MongoDB', kind: 'state' },
  cassandra: { name: 'Cassandra', kind: 'db' },
  neo4j: { name: 'Neo4j', kind: 'db' },
  pymemcache: { name: 'Memcached', kind: 'state' },
  memcache: { name: 'Memcached', kind: 'state' },
  kafka: { name: 'Kafka', kind: 'pubsub' },
  confluent_kafka: { name: 'Kafka', kind: 'pubsub' },
  aiokafka: { name: 'Kafka', kind: 'pubsub' },
  pika: { name: 'RabbitMQ', kind: 'pubsub' },
  aio_pika: { name: 'RabbitMQ', kind: 'pubsub' },
  kombu: { name: 'a message broker', kind: 'pubsub' },
  nats: { name: 'NATS', kind: 'pubsub' },
  paho: { name: 'MQTT', kind: 'pubsub' },
  hvac: { name: 'Vault', kind: 'secrets' },
  boto3: { name: 'AWS', kind: 'cloud' },
  botocore: { name: 'AWS', kind: 'cloud' },
  'google.cloud': { name: 'Google Cloud', kind: 'cloud' },
  azure: { name: 'Azure', kind: 'cloud' },
  elasticsearch: { name: 'Elasticsearch', kind: 'search' },
  opensearchpy: { name: 'OpenSearch', kind: 'search' },
};

const NODE_INFRA: Record<string, InfraLib> = {
  redis: { name: 'Redis', kind: 'state' },
  ioredis: { name: 'Redis', kind: 'state' },
  '@redis/client': { name: 'Redis', kind: 'state' },
  '@upstash/redis': { name: 'Redis', kind: 'state' },
  bull: { name: 'Redis (Bull)', kind: 'pubsub' },
  bullmq: { name: 'Redis (BullMQ)', kind: 'pubsub' },
  pg: { name: 'PostgreSQL', kind: 'db' },
  postgres: { name: 'PostgreSQL', kind: 'db' },
  'pg-promise': { name: 'PostgreSQL', kind: 'db' },
  mysql: { name: 'MySQL', kind: 'db' },
  mysql2: { name: 'MySQL', kind: 'db' },
  'mysql2/promise': { name: 'MySQL', kind: 'db' },
  mongodb: { name: 'MongoDB', kind: 'state' },
  mongoose: { name: 'MongoDB', kind: 'state' },
  sequelize: { name: 'a SQL database', kind: 'db' },
  knex: { name: 'a SQL database', kind: 'db' },
  typeorm: { name: 'a SQL database', kind: 'db' },
  '@prisma/client': { name: 'a SQL database', kind: 'db' },
  memcached: { name: 'Memcached', kind: 'state' },
  kafkajs: { name: 'Kafka', kind: 'pubsub' },
  amqplib: { name: 'RabbitMQ', kind: 'pubsub' },
  'amqplib/callback_api': { name: 'RabbitMQ', kind: 'pubsub' },
  nats: { name: 'NATS', kind: 'pubsub' },
  mqtt: { name: 'MQTT', kind: 'pubsub' },
  'node-vault': { name: 'Vault', kind: 'secrets' },
  'aws-sdk': { name: 'AWS', kind: 'cloud' },
  '@google-cloud': { name: 'Google Cloud', kind: 'cloud' },
  '@azure': { name: 'Azure', kind: 'cloud' },
  '@elastic/elasticsearch': { name: 'Elasticsearch', kind: 'search' },
};

/** The infrastructure library a module import names, if any (`redis.asyncio` → Redis). */
export function infraLib(module: string, lang: 'python' | 'node'): InfraLib | undefined {
  const table = lang === 'python' ? PY_INFRA : NODE_INFRA;
  if (table[module]) return table[module];
  if (lang === 'node' && module.startsWith('@aws-sdk/')) return { name: 'AWS', kind: 'cloud' };
  const parts = module.split(lang === 'python' ? '.' : '/');
  for (let i = parts.length - 1; i > 0; i--) {
    const hit = table[parts.slice(0, i).join(lang === 'python' ? '.' : '/')];
    if (hit) return hit;
  }
  return undefined;
}
