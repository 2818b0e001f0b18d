/**
 * The CEL environment Kubernetes gives admission policies, as far as paddock's
 * policies need it: CEL's standard library (from @bufbuild/cel), the strings
 * extension, and Kubernetes' quantity library
 * (k8s.io/apiserver/pkg/cel/library/quantity.go). `variables.x` is lazy, as in
 * Kubernetes: compile() rewrites it into a call that evaluates the variable the
 * first time it is read in one evaluation.
 */
import {
  CelScalar,
  celEnv,
  celFunc,
  celMap,
  celError,
  celMethod,
  isCelError,
  isCelMap,
  mapType,
  plan,
  type CelError,
  type CelMap,
  type CelResult,
  type CelValue,
} from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { parseCached } from './ast-cache.js';
import {
  addQuantities,
  compareQuantities,
  isIntegerQuantity,
  makeQuantity,
  parseQuantity,
  quantityKey,
  quantityToNumber,
  type Quantity,
} from './quantity.js';

/* ---------- quantity() ---------- */

// A quantity is a one-entry CEL map (so `==` compares values, not spellings);
// its parsed value is kept beside it. `type(q)` says map, not Quantity: the only
// visible difference from Kubernetes, and no policy here asks for it.
const quantities = new WeakMap<object, Quantity>();
const QUANTITY = mapType(CelScalar.DYN, CelScalar.DYN);

function toCelQuantity(q: Quantity): CelMap {
  const m = celMap(new Map([['@quantity', quantityKey(q)]]));
  quantities.set(m, q);
  return m;
}

function asQuantity(v: CelValue): Quantity {
  const q = isCelMap(v) ? quantities.get(v) : undefined;
  if (!q) throw new Error('no such overload: the value is not a quantity');
  return q;
}

const int64Max = 2n ** 63n - 1n;
const int64Min = -(2n ** 63n);

const quantityFuncs = [
  celFunc('quantity', [CelScalar.STRING], QUANTITY, (s) => {
    const q = parseQuantity(s);
    if (!q) throw new Error(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': ${s}`);
    return toCelQuantity(q);
  }),
  celFunc('isQuantity', [CelScalar.STRING], CelScalar.BOOL, (s) => parseQuantity(s) !== undefined),
  celMethod('sign', QUANTITY, [], CelScalar.INT, function () {
    const q = asQuantity(this);
    return q.num > 0n ? 1n : q.num < 0n ? -1n : 0n;
  }),
  celMethod('isInteger', QUANTITY, [], CelScalar.BOOL, function () {
    const q = asQuantity(this);
    return isIntegerQuantity(q) && q.num <= int64Max && q.num >= int64Min;
  }),
  celMethod('asInteger', QUANTITY, [], CelScalar.INT, function () {
    const q = asQuantity(this);
    if (!isIntegerQuantity(q) || q.num > int64Max || q.num < int64Min) {
      throw new Error('cannot convert value to integer');
    }
    return q.num;
  }),
  celMethod('asApproximateFloat', QUANTITY, [], CelScalar.DOUBLE, function () {
    return quantityToNumber(asQuantity(this));
  }),
  celMethod('compareTo', QUANTITY, [QUANTITY], CelScalar.INT, function (other) {
    return BigInt(compareQuantities(asQuantity(this), asQuantity(other)));
  }),
  celMethod('isLessThan', QUANTITY, [QUANTITY], CelScalar.BOOL, function (other) {
    return compareQuantities(asQuantity(this), asQuantity(other)) < 0;
  }),
  celMethod('isGreaterThan', QUANTITY, [QUANTITY], CelScalar.BOOL, function (other) {
    return compareQuantities(asQuantity(this), asQuantity(other)) > 0;
  }),
  celMethod('add', QUANTITY, [QUANTITY], QUANTITY, function (other) {
    return toCelQuantity(addQuantities(asQuantity(this), asQuantity(other)));
  }),
  celMethod('add', QUANTITY, [CelScalar.INT], QUANTITY, function (n) {
    return toCelQuantity(addQuantities(asQuantity(this), makeQuantity(n)));
  }),
  celMethod('sub', QUANTITY, [QUANTITY], QUANTITY, function (other) {
    const o = asQuantity(other);
    return toCelQuantity(addQuantities(asQuantity(this), makeQuantity(-o.num, o.den)));
  }),
  celMethod('sub', QUANTITY, [CelScalar.INT], QUANTITY, function (n) {
    return toCelQuantity(addQuantities(asQuantity(this), makeQuantity(-n)));
  }),
];

/* ---------- lazy variables ---------- */

/** Resolves `variables.<name>` during one evaluation. */
export type VariableResolver = (name: string) => CelResult;

let currentResolver: VariableResolver | undefined;

const VARIABLE_FUNC = '@paddock.variable';
const variableFunc = celFunc(VARIABLE_FUNC, [CelScalar.STRING], CelScalar.DYN, (name) => {
  if (!currentResolver) throw new Error(`no such key: variables.${name}`);
  const r = currentResolver(name);
  if (isCelError(r)) throw r;
  return r;
});

const env = celEnv({ funcs: [...strings, ...quantityFuncs, variableFunc] });

/* Minimal view of the parsed AST (cel.expr.Expr) needed for the rewrite. */
interface AstExpr {
  id: bigint;
  exprKind: { case: string | undefined; value?: any };
}

function rewriteVariables(e: AstExpr | undefined): void {
  if (!e) return;
  const k = e.exprKind;
  switch (k.case) {
    case 'selectExpr': {
      const op = k.value.operand as AstExpr | undefined;
      if (!k.value.testOnly && op?.exprKind.case === 'identExpr' && op.exprKind.value.name === 'variables') {
        const field = k.value.field as string;
        e.exprKind = {
          case: 'callExpr',
          value: {
            function: VARIABLE_FUNC,
            args: [{ id: op.id, exprKind: { case: 'constExpr', value: { constantKind: { case: 'stringValue', value: field } } } }],
          },
        };
        return;
      }
      rewriteVariables(op);
      return;
    }
    case 'callExpr':
      rewriteVariables(k.value.target);
      for (const a of k.value.args) rewriteVariables(a);
      return;
    case 'listExpr':
      for (const a of k.value.elements) rewriteVariables(a);
      return;
    case 'structExpr':
      for (const entry of k.value.entries) {
        if (entry.keyKind?.case === 'mapKey') rewriteVariables(entry.keyKind.value);
        rewriteVariables(entry.value);
      }
      return;
    case 'comprehensionExpr':
      for (const part of ['iterRange', 'accuInit', 'loopCondition', 'loopStep', 'result']) rewriteVariables(k.value[part]);
      return;
    default:
      return;
  }
}

/** A compiled expression: call it with the request's bindings and a resolver for `variables`. */
export type Program = (bindings: Record<string, unknown>, variables: VariableResolver) => CelResult;

/** Compiles a CEL expression; throws an Error with the parser's message when it does not parse. */
export function compile(expression: string): Program {
  const parsed = parseCached(expression);
  rewriteVariables(parsed.expr as unknown as AstExpr);
  const run = plan(env, parsed);
  return (bindings, variables) => {
    const outer = currentResolver;
    currentResolver = variables;
    try {
      return run(bindings as never);
    } catch (err) {
      return celErrorOf(err);
    } finally {
      currentResolver = outer;
    }
  };
}

function celErrorOf(err: unknown): CelError {
  return celError(err);
}

export { isCelError };

/**
 * Converts a JSON/YAML value into CEL input the way Kubernetes presents an
 * object to CEL: whole numbers are `int`, others `double`.
 */
export function toCelInput(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(toCelInput);
  if (v && typeof v === 'object') {
    if (v instanceof Date) return v.toISOString();
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toCelInput(x);
    return out;
  }
  return v ?? null;
}

/** Renders a CEL value for messages: strings as they are, lists and maps as JSON. */
export function celToJs(v: CelValue): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (isCelMap(v)) {
    const q = quantities.get(v);
    if (q) return q;
    const o: Record<string, unknown> = {};
    for (const [k, x] of v.entries()) o[String(k)] = celToJs(x);
    return o;
  }
  if (v && typeof v === 'object' && Symbol.iterator in v && !(v instanceof Uint8Array)) {
    return [...(v as Iterable<CelValue>)].map(celToJs);
  }
  return v;
}
