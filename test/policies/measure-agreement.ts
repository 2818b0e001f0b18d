/**
 * Measurement, not a test (it prints figures): how far each offline judge of
 * ValidatingAdmissionPolicies agrees with a real API server on the agreement
 * suite's upstream cases (upstream.ts) and the semantics cases (semantics.ts).
 *
 *   node test/dist/policies/measure-agreement.js [--ts-evaluator DIST/policies/evaluator.js] [--kyverno BIN] [--json FILE]
 *
 * - paddock: the evaluator as it is (paddock-engine, the API server's own code);
 * - --ts-evaluator: an older paddock's TypeScript evaluator (its `admit`, sync),
 *   e.g. from a checkout of the commit before it was replaced;
 * - --kyverno: the Kyverno CLI (`kyverno apply … --policy-report`), as a
 *   platform team would judge the same policies and manifests offline.
 * Verdicts are compared request by request: allowed or refused, and the
 * refusal's message where the judge gives one.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { gvrOf, isNamespaced } from 'paddock/policies/resources.js';
import type { KubeObject } from 'paddock/policies/types.js';
import { startApiServer } from '../lib/apiserver.js';
import { differences, installed, offlineVerdicts, requestObjects, serverMinor, serverVerdicts, type CaseVerdicts, type Verdict } from '../lib/agreement.js';
import { semanticsCases, semanticsNamespaces, semanticsSet } from './semantics.js';
import { upstreamCases, type AgreementCase } from './upstream.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

/** The semantics cases in the upstream shape (each ConfigMap is its own request). */
function semanticsAsCases(): AgreementCase[] {
  return [
    {
      id: 'sem',
      name: 'semantics.ts',
      source: 'test/policies/semantics.ts',
      setup: semanticsNamespaces,
      policies: [...semanticsSet.policies, ...semanticsSet.bindings],
      requests: semanticsCases.map((c) => ({ name: c.name, object: c.object, expect: c.expect.verdict === 'admit' ? { allowed: true } : { allowed: false } })),
    },
  ];
}

const forbiddenPrefix = (o: KubeObject): string => {
  const { group, resource } = gvrOf(o);
  return `${group ? `${resource}.${group}` : resource} "${o.metadata.name}" is forbidden: `;
};

/** The old TypeScript evaluator: sync admit(set, request) → decisions with `message` (no creation checks, no warnings text). */
async function tsVerdicts(module: string, cases: AgreementCase[]): Promise<CaseVerdicts[]> {
  const { admit } = (await import(module)) as {
    admit: (set: unknown, req: unknown) => Array<{ policy: string; binding: string; action: string; message: string }>;
  };
  return cases.map((c) => {
    const { setup, policies } = installed(c);
    const set = {
      policies: policies.filter((o) => o.kind === 'ValidatingAdmissionPolicy' && o.apiVersion.endsWith('/v1')),
      bindings: policies.filter((o) => o.kind === 'ValidatingAdmissionPolicyBinding'),
    };
    const cluster = setup.filter((o) => o.kind !== 'CustomResourceDefinition');
    return {
      creations: Object.fromEntries(c.policies.map((o) => [`${o.kind}/${o.metadata.name}`, undefined])),
      requests: c.requests.map((r): Verdict => {
        const { object, oldObject } = requestObjects(c, r);
        const subject = (object ?? oldObject)!;
        const ns = cluster.find((o) => o.kind === 'Namespace' && o.metadata.name === subject.metadata.namespace) ?? null;
        try {
          const decisions = admit(set, { operation: r.operation ?? (object ? 'CREATE' : 'DELETE'), object, oldObject, namespace: ns, cluster });
          const denials = decisions.filter((d) => d.action === 'Deny');
          return {
            allowed: denials.length === 0,
            messages: denials.map(
              (d) => `${forbiddenPrefix(subject)}ValidatingAdmissionPolicy '${d.policy}' with binding '${d.binding}' denied request: ${d.message}`,
            ),
            warnings: decisions
              .filter((d) => d.action === 'Warn')
              .map((d) => `Validation failed for ValidatingAdmissionPolicy '${d.policy}' with binding '${d.binding}': ${d.message}`),
          };
        } catch (err) {
          return { allowed: false, messages: [], warnings: [], notAdmission: `threw: ${err instanceof Error ? err.message : String(err)}` };
        }
      }),
    };
  });
}

interface KyvernoResult {
  policy?: string;
  result?: string;
  message?: string;
  resources?: Array<{ name?: string; namespace?: string; kind?: string }>;
}

/** The Kyverno CLI: one `kyverno apply` per case; CREATE requests only (it has no old objects). */
function kyvernoVerdicts(bin: string, cases: AgreementCase[]): CaseVerdicts[] {
  return cases.map((c) => {
    const dir = mkdtempSync(join(tmpdir(), 'kyverno-'));
    try {
      const { setup, policies } = installed(c);
      const namespaces = setup.filter((o) => o.kind === 'Namespace');
      const params = setup.filter((o) => o.kind !== 'Namespace' && o.kind !== 'CustomResourceDefinition');
      const creates = c.requests
        .map((r) => requestObjects(c, r))
        .filter((r) => r.object && !r.oldObject)
        .map((r) => r.object!);
      writeFileSync(join(dir, 'policies.yaml'), policies.map((o) => stringify(o)).join('---\n'));
      writeFileSync(join(dir, 'resources.yaml'), creates.map((o) => stringify(o)).join('---\n'));
      writeFileSync(join(dir, 'params.yaml'), params.map((o) => stringify(o)).join('---\n') || '{}\n');
      writeFileSync(
        join(dir, 'values.yaml'),
        stringify({
          apiVersion: 'cli.kyverno.io/v1alpha1',
          kind: 'Value',
          namespaceSelector: namespaces.map((n) => ({
            name: n.metadata.name,
            labels: { ...(n.metadata.labels ?? {}), 'kubernetes.io/metadata.name': n.metadata.name },
          })),
          namespaces: namespaces.map((n) => ({
            ...n,
            metadata: { ...n.metadata, labels: { ...(n.metadata.labels ?? {}), 'kubernetes.io/metadata.name': n.metadata.name } },
          })),
        }),
      );
      let out = '';
      let error: string | undefined;
      try {
        out = execFileSync(
          bin,
          [
            'apply',
            join(dir, 'policies.yaml'),
            '--resource',
            join(dir, 'resources.yaml'),
            ...(params.length ? ['--parameter-resource', join(dir, 'params.yaml')] : []),
            '--values-file',
            join(dir, 'values.yaml'),
            '--policy-report',
            '--output-format',
            'json',
            '--remove-color',
          ],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
        );
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string; message: string };
        out = e.stdout ?? '';
        if (!out.includes('{')) error = (e.stderr || e.message).trim().split('\n').slice(-3).join(' ');
      }
      let results: KyvernoResult[] = [];
      const start = out.indexOf('{');
      if (start >= 0) {
        try {
          const report = JSON.parse(out.slice(start)) as { results?: KyvernoResult[]; items?: Array<{ results?: KyvernoResult[] }> };
          results = report.results ?? (report.items ?? []).flatMap((i) => i.results ?? []);
        } catch {
          error ??= 'the report is not JSON';
        }
      }
      return {
        creations: Object.fromEntries(c.policies.map((o) => [`${o.kind}/${o.metadata.name}`, undefined])),
        requests: c.requests.map((r): Verdict => {
          const { object, oldObject } = requestObjects(c, r);
          if (!object || oldObject) return { allowed: true, messages: [], warnings: [], undecidable: 'kyverno apply judges CREATE only (no old object)' };
          if (error) return { allowed: true, messages: [], warnings: [], undecidable: `kyverno failed: ${error}` };
          const mine = results.filter((x) =>
            (x.resources ?? []).some(
              (res) =>
                res.name === object.metadata.name && res.kind === object.kind && (!isNamespaced(object.kind) || res.namespace === object.metadata.namespace),
            ),
          );
          const failed = mine.filter((x) => x.result === 'fail' || x.result === 'error');
          return { allowed: failed.length === 0, messages: failed.map((x) => x.message ?? ''), warnings: [] };
        }),
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

interface Tally {
  requests: number;
  verdicts: number;
  messages: number;
  creations: number;
  notJudged: number;
  details: string[];
}

function tally(cases: AgreementCase[], server: CaseVerdicts[], judge: CaseVerdicts[], compareMessages: boolean): Tally {
  const t: Tally = { requests: 0, verdicts: 0, messages: 0, creations: 0, notJudged: 0, details: [] };
  cases.forEach((c, ci) => {
    for (const [k, s] of Object.entries(server[ci]!.creations)) {
      const o = judge[ci]!.creations[k];
      if ((s === undefined) !== (o === undefined)) {
        t.creations++;
        t.details.push(`${c.id} ${k}: server ${s === undefined ? 'accepts' : 'refuses'} it, the judge ${o === undefined ? 'accepts' : 'refuses'} it`);
      }
    }
    c.requests.forEach((r, ri) => {
      const s = server[ci]!.requests[ri]!;
      const o = judge[ci]!.requests[ri]!;
      if (s.notAdmission) return;
      t.requests++;
      if (o.undecidable || o.notAdmission) {
        t.notJudged++;
        t.details.push(`${c.id} ${r.name}: not judged (${o.undecidable ?? o.notAdmission})`);
        return;
      }
      if (s.allowed !== o.allowed) {
        t.verdicts++;
        t.details.push(
          `${c.id} ${r.name}: server ${s.allowed ? 'allows' : `refuses (${s.messages[0]})`}, the judge ${o.allowed ? 'allows' : `refuses (${o.messages.join(' | ')})`}`,
        );
      } else if (compareMessages && differences(s, o).length) {
        t.messages++;
        t.details.push(`${c.id} ${r.name}: ${differences(s, o).join('; ')}`);
      }
    });
  });
  return t;
}

async function main(): Promise<void> {
  const api = await startApiServer();
  try {
    const minor = await serverMinor(api);
    const cases = [...semanticsAsCases(), ...upstreamCases().filter((c) => (c.since ?? 0) <= minor)];
    process.stderr.write(
      `API server 1.${minor}: ${cases.length} cases, ${cases.reduce((n, c) => n + c.requests.length, 0)} requests, ${cases.reduce((n, c) => n + c.policies.length, 0)} policies and bindings\n`,
    );
    const server = await serverVerdicts(api, cases);
    const judges: Array<[string, CaseVerdicts[], boolean]> = [['paddock (paddock-engine: k8s.io/apiserver)', await offlineVerdicts(cases), true]];
    const ts = arg('ts-evaluator');
    if (ts) judges.push(['paddock before (TypeScript, @bufbuild/cel)', await tsVerdicts(ts, cases), true]);
    const kyverno = arg('kyverno');
    if (kyverno)
      judges.push([`kyverno apply (${execFileSync(kyverno, ['version'], { encoding: 'utf8' }).split('\n')[0]})`, kyvernoVerdicts(kyverno, cases), false]);
    const rows = judges.map(([name, v, messages]) => ({ name, ...tally(cases, server, v, messages) }));
    console.log('judge | requests | verdict differs | message or warning differs | policy accepted/refused differs | not judged');
    for (const r of rows) console.log(`${r.name} | ${r.requests} | ${r.verdicts} | ${r.messages} | ${r.creations} | ${r.notJudged}`);
    for (const r of rows) {
      console.log(`\n${r.name}:`);
      for (const d of r.details) console.log(`  - ${d}`);
    }
    const json = arg('json');
    if (json) writeFileSync(json, JSON.stringify(rows, null, 2));
  } finally {
    await api.stop();
  }
}

await main();
