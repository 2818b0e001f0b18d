/**
 * Kubernetes resource quantities (`250m`, `0.5`, `256Mi`, `1e3`), parsed
 * exactly (as fractions, like k8s.io/apimachinery's resource.Quantity) so
 * that bounds are judged by value, whatever the YAML type: `cpu: 0`,
 * `cpu: "0m"`, `cpu: -1` and `cpu: 0.0001` are all judged as the numbers they are.
 */
const BINARY: Record<string, bigint> = { Ki: 2n ** 10n, Mi: 2n ** 20n, Gi: 2n ** 30n, Ti: 2n ** 40n, Pi: 2n ** 50n, Ei: 2n ** 60n };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const QUANTITY = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

/** A quantity's value as the fraction num/den of base units (cores, bytes). */
export interface Exact {
  num: bigint;
  den: bigint;
}

/** A YAML number as the decimal text it stands for (the shortest that reads back as it, as Helm prints it too). */
function textOf(q: string | number): string | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? String(q) : undefined;
  return typeof q === 'string' ? q.trim() : undefined;
}

/** The parts of a quantity's text as written (no trimming), or undefined when it is not one. */
function partsOf(text: string): RegExpExecArray | undefined {
  const m = QUANTITY.exec(text);
  return m && (m[2] || m[3]) ? m : undefined;
}

/**
 * Whether `text`, exactly as written, is a Kubernetes quantity: what
 * resource.ParseQuantity accepts, e.g. in an annotation such as
 * dapr.io/sidecar-cpu-limit (no surrounding spaces, any exponent).
 */
export function isQuantityText(text: string): boolean {
  return partsOf(text) !== undefined;
}

/** The exact value, or undefined when it is not a Kubernetes quantity. */
export function exactQuantity(q: string | number): Exact | undefined {
  const text = textOf(q);
  const m = text === undefined ? undefined : partsOf(text);
  if (!m) return undefined;
  const [, sign = '', whole = '', frac = '', exp, suffix = ''] = m;
  let num = BigInt(`${whole || '0'}${frac}`);
  let den = 10n ** BigInt(frac.length);
  if (sign === '-') num = -num;
  const e = exp ? Number(exp.slice(1)) : (DECIMAL[suffix] ?? 0);
  if (!Number.isSafeInteger(e) || Math.abs(e) > 100) return undefined;
  if (suffix in BINARY) num *= BINARY[suffix]!;
  else if (e >= 0) num *= 10n ** BigInt(e);
  else den *= 10n ** BigInt(-e);
  return { num, den };
}

/** The value in base units as a float (for display and sums), or undefined. */
export function parseQuantity(q: string | number): number | undefined {
  const x = exactQuantity(q);
  return x ? Number(x.num) / Number(x.den) : undefined;
}

/** -1, 0 or 1 as a < b, a == b, a > b. */
export function compareExact(a: Exact, b: Exact): number {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

/** The bounds of one container, as the platform sets them (platform.maxContainer). */
export interface Maximum {
  cpu: string | number;
  memory: string | number;
}

const MILLI: Exact = { num: 1n, den: 1000n };
const ZERO: Exact = { num: 0n, den: 1n };

/**
 * Why `value` is not a CPU or memory amount the platform accepts, in plain
 * English (without the field's name), or undefined when it is one: more than 0,
 * whole millicores for CPU, and at most `max`.
 */
export function quantityProblem(resource: 'cpu' | 'memory', value: unknown, max: Maximum): string | undefined {
  const shown = typeof value === 'string' ? `"${value}"` : String(value);
  const q = typeof value === 'string' || typeof value === 'number' ? exactQuantity(value) : undefined;
  if (!q) {
    return resource === 'cpu'
      ? `${shown} is not a CPU amount: write millicores such as 250m, or cores such as 0.5`
      : `${shown} is not a memory amount: write Mi or Gi, such as 256Mi or 1Gi`;
  }
  const limit = exactQuantity(max[resource])!;
  if (compareExact(q, ZERO) <= 0) {
    const what = q.num < 0n ? 'less than zero' : 'zero';
    return resource === 'cpu'
      ? `${shown} is ${what}: every container needs some CPU, at least 1m (a thousandth of a CPU), and a CPU limit of 0 would mean no limit at all`
      : `${shown} is ${what}: every container needs some memory, for example 64Mi`;
  }
  if (resource === 'cpu' && compareExact(q, MILLI) < 0) return `${shown} is less than 1m, the smallest CPU amount (a thousandth of a CPU)`;
  if (compareExact(q, limit) > 0) {
    return resource === 'cpu'
      ? `${shown} is above the platform's maximum of ${max.cpu} CPUs per app`
      : `${shown} is above the platform's maximum of ${max.memory} per app`;
  }
  if (resource === 'cpu' && (q.num * 1000n) % q.den !== 0n) return `${shown} is finer than a millicore: use whole millicores, such as 250m or 0.25`;
  return undefined;
}

/** What to write instead, for any quantity problem, with the platform's own maximum. */
export function quantityFix(resource: 'cpu' | 'memory', max: Maximum): string {
  return resource === 'cpu'
    ? `Write millicores such as 250m, or cores such as 0.5: more than 0, and at most ${max.cpu} CPUs.`
    : `Write Mi or Gi, such as 256Mi or 1Gi: more than 0, and at most ${max.memory}.`;
}

/** For a malformed memory value like `256MB` or `1gb`, the quantity the author probably meant. */
export function suggestMemory(q: string): string | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt])i?b?\s*$/i.exec(q);
  if (!m?.[1] || !m[2]) return undefined;
  const unit = ({ k: 'Ki', m: 'Mi', g: 'Gi', t: 'Ti' } as Record<string, string>)[m[2].toLowerCase()];
  return `${m[1]}${unit}`;
}

/** For a malformed CPU value like `500 m`, `0.5cores` or `500mc`, the quantity the author probably meant. */
export function suggestCpu(q: string): string | undefined {
  const milli = /^\s*(\d+)\s*(m|mc|millicores?)\s*$/i.exec(q);
  if (milli) return `${milli[1]}m`;
  const cores = /^\s*(\d+(?:\.\d+)?)\s*(cores?|cpus?|vcpus?)\s*$/i.exec(q);
  if (cores) return cores[1];
  return undefined;
}
