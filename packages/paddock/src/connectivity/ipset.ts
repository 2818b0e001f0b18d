/**
 * Sets of IP addresses as sorted, disjoint intervals, enough to answer
 * "does this ipBlock (cidr minus except) contain any address of that endpoint?".
 */
import { isIPv4, isIPv6 } from 'node:net';

type Family = 4 | 6;
interface Interval {
  lo: bigint;
  hi: bigint;
}
export interface IpSet {
  v4: Interval[];
  v6: Interval[];
}

const emptySet = (): IpSet => ({ v4: [], v6: [] });

function parseAddress(addr: string): { family: Family; value: bigint } {
  if (isIPv4(addr)) {
    const value = addr.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
    return { family: 4, value };
  }
  if (isIPv6(addr)) {
    let s = addr;
    // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
    const m = /(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
    if (m) {
      const v = parseAddress(m[2]!).value;
      s = `${m[1]}${(v >> 16n).toString(16)}:${(v & 0xffffn).toString(16)}`;
    }
    const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
    const h = head ? head.split(':') : [];
    const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    const value = groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
    return { family: 6, value };
  }
  throw new Error(`not an IP address: ${addr}`);
}

/** Parse `a.b.c.d/n` or an IPv6 CIDR into its family and address interval. */
function parseCidr(cidr: string): { family: Family; interval: Interval } {
  const [addr, bits] = cidr.trim().split('/');
  const { family, value } = parseAddress(addr ?? '');
  const width = family === 4 ? 32n : 128n;
  const n = bits === undefined ? width : BigInt(Number(bits));
  if (n < 0n || n > width) throw new Error(`bad prefix length in ${cidr}`);
  const hostBits = width - n;
  const lo = (value >> hostBits) << hostBits;
  return { family, interval: { lo, hi: lo + (1n << hostBits) - 1n } };
}

function normalise(list: Interval[]): Interval[] {
  const sorted = [...list].sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    // biome-ignore lint/complexity/useMathMinMax: bigints, which Math.max does not take
    if (last && i.lo <= last.hi + 1n) last.hi = i.hi > last.hi ? i.hi : last.hi;
    else out.push({ ...i });
  }
  return out;
}

function subtract(list: Interval[], cut: Interval): Interval[] {
  const out: Interval[] = [];
  for (const i of list) {
    if (cut.hi < i.lo || cut.lo > i.hi) {
      out.push(i);
      continue;
    }
    if (i.lo < cut.lo) out.push({ lo: i.lo, hi: cut.lo - 1n });
    if (i.hi > cut.hi) out.push({ lo: cut.hi + 1n, hi: i.hi });
  }
  return out;
}

/** The set `cidrs` minus `except`. */
export function ipSet(cidrs: string[], except: string[] = []): IpSet {
  const set = emptySet();
  for (const c of cidrs) {
    const { family, interval } = parseCidr(c);
    (family === 4 ? set.v4 : set.v6).push(interval);
  }
  set.v4 = normalise(set.v4);
  set.v6 = normalise(set.v6);
  for (const e of except) {
    const { family, interval } = parseCidr(e);
    if (family === 4) set.v4 = subtract(set.v4, interval);
    else set.v6 = subtract(set.v6, interval);
  }
  return set;
}

/** Do the two sets share at least one address? */
export function overlaps(a: IpSet, b: IpSet): boolean {
  const any = (x: Interval[], y: Interval[]) => x.some((i) => y.some((j) => i.lo <= j.hi && j.lo <= i.hi));
  return any(a.v4, b.v4) || any(a.v6, b.v6);
}

/** Private, loopback, link-local, shared, multicast and reserved ranges: what "the internet" is not. */
const NON_PUBLIC = {
  v4: ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16', '224.0.0.0/3'],
  v6: ['::/128', '::1/128', 'fc00::/7', 'fe80::/10', 'ff00::/8'],
};

/** Every public address, IPv4 and IPv6. */
export function publicInternet(): IpSet {
  return ipSet(['0.0.0.0/0', '::/0'], [...NON_PUBLIC.v4, ...NON_PUBLIC.v6]);
}
