/** Kubernetes resource quantities, enough to compare CPU and memory. */
const SUFFIX: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/;

/** The quantity's value in base units (cores, bytes), or undefined if it is not a Kubernetes quantity. */
export function parseQuantity(q: string | number): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  const m = QUANTITY.exec(q.trim());
  if (!m) return undefined;
  const [, num, exp, suffix] = m;
  const base = Number(num);
  if (exp) return base * 10 ** Number(exp.slice(1));
  return base * (SUFFIX[suffix ?? ''] ?? 1);
}

/** For a malformed memory value like `256MB` or `1gb`, the quantity the author probably meant. */
export function suggestMemory(q: string): string | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt])i?b?\s*$/i.exec(q);
  if (!m || !m[1] || !m[2]) return undefined;
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
