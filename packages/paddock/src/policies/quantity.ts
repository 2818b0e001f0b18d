/**
 * Kubernetes resource quantities (`500m`, `2Gi`, `1e3`) as exact rationals, parsed
 * the way k8s.io/apimachinery's resource.ParseQuantity does, so the offline `quantity()`
 * CEL library compares exactly like the API server's.
 */
export interface Quantity {
  /** value = num / den, den > 0, reduced. */
  readonly num: bigint;
  readonly den: bigint;
}

const binary: Record<string, bigint> = {
  Ki: 2n ** 10n, Mi: 2n ** 20n, Gi: 2n ** 30n, Ti: 2n ** 40n, Pi: 2n ** 50n, Ei: 2n ** 60n,
};
const decimal: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const pattern = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/;

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  while (b) [a, b] = [b, a % b];
  return a;
}

export function makeQuantity(num: bigint, den = 1n): Quantity {
  if (den < 0n) [num, den] = [-num, -den];
  const g = gcd(num, den) || 1n;
  return { num: num / g, den: den / g };
}

/** Parses a quantity string; returns undefined when Kubernetes would reject it. */
export function parseQuantity(text: string): Quantity | undefined {
  const m = pattern.exec(text);
  if (!m) return undefined;
  const [, sign = '', whole = '', frac = '', suffix = ''] = m;
  if (!whole && !frac) return undefined;
  let num = BigInt(`${whole || '0'}${frac}`);
  let den = 10n ** BigInt(frac.length);
  if (sign === '-') num = -num;
  if (suffix in binary) {
    num *= binary[suffix]!;
  } else if (suffix in decimal) {
    const e = decimal[suffix]!;
    if (e >= 0) num *= 10n ** BigInt(e);
    else den *= 10n ** BigInt(-e);
  } else if (/^[eE][+-]?[0-9]+$/.test(suffix)) {
    const e = Number(suffix.slice(1));
    if (!Number.isSafeInteger(e) || Math.abs(e) > 1000) return undefined;
    if (e >= 0) num *= 10n ** BigInt(e);
    else den *= 10n ** BigInt(-e);
  } else {
    return undefined;
  }
  return makeQuantity(num, den);
}

export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

export function addQuantities(a: Quantity, b: Quantity): Quantity {
  return makeQuantity(a.num * b.den + b.num * a.den, a.den * b.den);
}

export function isIntegerQuantity(q: Quantity): boolean {
  return q.den === 1n;
}

export function quantityToNumber(q: Quantity): number {
  return Number(q.num) / Number(q.den);
}

/** A stable key: two quantities with the same value have the same key. */
export function quantityKey(q: Quantity): string {
  return `${q.num}/${q.den}`;
}
