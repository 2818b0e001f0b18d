/**
 * How go-yaml v2 — the reader under sigs.k8s.io/yaml, so Helm's values files,
 * helm-controller and the API server's YAML — reads a scalar, transcribed from
 * go.yaml.in/yaml/v2@v2.4.3 resolve.go (the version tools/engine builds with)
 * and Go's strconv. It is YAML 1.1 with Go's own number syntax: `06654` is
 * octal (3500), `1_0` is 10, `0b1`, `0o17` and `0x1F` are numbers, `y`, `yes`,
 * `on` are true, `1:20` stays text, `1e3` is a number.
 */

/** What go-yaml makes of a scalar. */
export type GoScalar =
  | { t: 'str' }
  | { t: 'null' }
  | { t: 'bool'; v: boolean }
  /** An int64; `unsigned` when only uint64 holds it. */
  | { t: 'int'; v: bigint; unsigned?: boolean }
  | { t: 'float'; v: number }
  | { t: 'merge' };

const BOOL_TRUE = ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'];
const BOOL_FALSE = ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'];
const KNOWN = new Map<string, GoScalar>([
  ...BOOL_TRUE.map((s) => [s, { t: 'bool', v: true }] as const),
  ...BOOL_FALSE.map((s) => [s, { t: 'bool', v: false }] as const),
  ...['', '~', 'null', 'Null', 'NULL'].map((s) => [s, { t: 'null' }] as const),
  ...['.nan', '.NaN', '.NAN'].map((s) => [s, { t: 'float', v: NaN }] as const),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((s) => [s, { t: 'float', v: Infinity }] as const),
  ...['-.inf', '-.Inf', '-.INF'].map((s) => [s, { t: 'float', v: -Infinity }] as const),
  ['<<', { t: 'merge' }],
]);

const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
// strconv.ParseFloat on text that starts with '.': Go allows an underscore between two digits.
const DOT_FLOAT = /^\.[0-9]+(_[0-9]+)*([eE][-+]?[0-9]+(_[0-9]+)*)?$/;

/** strconv.ParseUint(s, base, 64) for base 0 (prefixes 0x, 0o, 0b, and a bare leading 0 for octal) or a given base. */
function parseUint(s: string, base0: number): bigint | undefined {
  if (s === '') return undefined;
  let base = base0;
  if (base === 0) {
    base = 10;
    if (s[0] === '0') {
      const p = s[1]?.toLowerCase();
      if (s.length >= 3 && p === 'b') [base, s] = [2, s.slice(2)];
      else if (s.length >= 3 && p === 'o') [base, s] = [8, s.slice(2)];
      else if (s.length >= 3 && p === 'x') [base, s] = [16, s.slice(2)];
      else [base, s] = [8, s.slice(1)];
    }
  }
  let n = 0n;
  for (const c of s) {
    const d = /[0-9]/.test(c) ? c.charCodeAt(0) - 48 : /[a-z]/i.test(c) ? c.toLowerCase().charCodeAt(0) - 87 : 99;
    if (d >= base) return undefined;
    n = n * BigInt(base) + BigInt(d);
    if (n > UINT64_MAX) return undefined;
  }
  return n;
}

/** strconv.ParseInt(s, base, 64). */
function parseInt64(s: string, base: number): bigint | undefined {
  if (s === '') return undefined;
  const neg = s[0] === '-';
  const u = parseUint(s[0] === '+' || s[0] === '-' ? s.slice(1) : s, base);
  if (u === undefined) return undefined;
  if (!neg && u > INT64_MAX) return undefined;
  if (neg && u > INT64_MAX + 1n) return undefined;
  return neg ? -u : u;
}

/** strconv.ParseFloat(s, 64) for the decimal forms the callers allow; out of range is a failure, as in Go. */
function parseFloat64(s: string): number | undefined {
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

/** The first four characters are digits and the fifth is '-': go-yaml then tries a timestamp, which it hands back as the text itself. */
function timestampLike(s: string): boolean {
  return /^[0-9]{4}-/.test(s);
}

/** go-yaml's reading of a scalar with no tag (a plain scalar: quoted and block scalars are always text). */
export function goPlain(s: string): GoScalar {
  const first = s[0];
  const hint = first === undefined ? 'M' : /[-+0-9]/.test(first) ? 'D' : 'yYnNtTfFoO~'.includes(first) ? 'M' : first === '.' ? '.' : '';
  if (!hint) return { t: 'str' };
  const known = KNOWN.get(s);
  if (known && s !== '<<') return known;
  if (hint === '.') {
    const f = DOT_FLOAT.test(s) ? parseFloat64(s.replaceAll('_', '')) : undefined;
    return f === undefined ? { t: 'str' } : { t: 'float', v: f };
  }
  if (hint !== 'D') return { t: 'str' };
  // A timestamp stays text when read into an untyped value (go-yaml keeps it as a string for compatibility),
  // and no timestamp-shaped text parses as a number either.
  if (timestampLike(s)) return { t: 'str' };
  const plain = s.replaceAll('_', '');
  const i = parseInt64(plain, 0);
  if (i !== undefined) return { t: 'int', v: i };
  const u = parseUint(plain, 0);
  if (u !== undefined) return { t: 'int', v: u, unsigned: true };
  if (YAML_STYLE_FLOAT.test(plain)) {
    const f = parseFloat64(plain);
    if (f !== undefined) return { t: 'float', v: f };
  }
  if (plain.startsWith('0b')) {
    const b = parseInt64(plain.slice(2), 2);
    if (b !== undefined) return { t: 'int', v: b };
    const ub = parseUint(plain.slice(2), 2);
    if (ub !== undefined) return { t: 'int', v: ub, unsigned: true };
  } else if (plain.startsWith('-0b')) {
    const b = parseInt64(`-${plain.slice(3)}`, 2);
    if (b !== undefined) return { t: 'int', v: b };
  }
  return { t: 'str' };
}

const TAG = 'tag:yaml.org,2002:';

/**
 * go-yaml's reading of a scalar with an explicit tag (`!!int "12"`), or an
 * error message when go-yaml refuses it. Tags other than str, int, float, bool
 * and null under yaml.org are refused here (go-yaml knows a few more, such as
 * !!binary; no Kubernetes object needs them).
 */
export function goTagged(tag: string, s: string): GoScalar | string {
  if (!tag.startsWith(TAG)) return { t: 'str' };
  const want = tag.slice(TAG.length);
  if (want === 'str') return { t: 'str' };
  if (!['int', 'float', 'bool', 'null'].includes(want)) return `the tag !!${want} is not supported here`;
  // go-yaml skips its timestamp attempt under a tag; timestamp-shaped text is text either way.
  const r = goPlain(s);
  if (r.t === want) return r;
  if (want === 'float' && r.t === 'int') return { t: 'float', v: Number(r.v) };
  return `cannot decode !!${r.t === 'merge' ? 'merge' : r.t} \`${s}\` as a !!${want}`;
}

/** The exact decimal digits and exponent of a double (d.ddd… × 10^exp), as far as 100 digits go. */
function exactDigits(x: number): [string, number] {
  const [m = '', e = '0'] = x.toExponential(99).split('e');
  return [m.replace('.', '').replace(/0+$/, '') || '0', Number(e)];
}

/** `digits` rounded to `p` digits, halves to even; the exponent grows when 9.99… rounds up to 10. */
function roundDigits(digits: string, exp: number, p: number): [string, number] {
  if (digits.length <= p) return [digits, exp];
  let head = BigInt(digits.slice(0, p));
  const rest = digits.slice(p);
  const above = /[1-9]/.test(rest.slice(1));
  const up = rest[0]! > '5' || (rest[0] === '5' && (above || head % 2n === 1n));
  if (up) head += 1n;
  let out = head.toString();
  if (out.length > p) {
    out = out.slice(0, p);
    exp += 1;
  }
  return [out.replace(/0+$/, '') || '0', exp];
}

/** Go's shortest decimal that reads back as the same float32 (closest to the exact value; halves to even). */
function shortestFloat32(f: number): [string, number] {
  const [digits, exp] = exactDigits(f);
  for (let p = 1; p <= 9; p++) {
    const [d, e] = roundDigits(digits, exp, p);
    if (Math.fround(Number(`${d[0]}.${d.slice(1) || '0'}e${e}`)) === f) return [d, e];
  }
  return roundDigits(digits, exp, 9);
}

/**
 * strconv.FormatFloat(v, 'g', -1, 32): how sigs.k8s.io/yaml turns a float map
 * key into a JSON key (as a float32, shortest form, exponent from 1e+06 on).
 */
export function formatFloatKey(v: number): string {
  const f = Math.fround(v);
  if (Number.isNaN(f)) return '.nan';
  if (f === Infinity) return '.inf';
  if (f === -Infinity) return '-.inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [digits, exp] = shortestFloat32(Math.abs(f));
  const sign = f < 0 ? '-' : '';
  if (exp < -4 || exp >= 6) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${whole}${frac ? `.${frac}` : ''}`;
}
