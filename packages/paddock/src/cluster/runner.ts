import { delimiter, dirname, join } from 'node:path';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import pc from 'picocolors';
import { UserError } from '../report/errors.js';
import { describe, type Action, type Step } from './plan.js';
import { waitAggregatedApi } from './aggregated-api.js';
import { exec } from './exec.js';
import { checkSpace } from './disk.js';
import { allReady, fluxObjects, progressLine, type FluxObject } from './flux-state.js';
import { CLUSTER, REQUIRED_TOOLS } from './versions.js';

/** Tools missing from PATH, each with one sentence on why it is needed and where to get it. */
export function missingTools(tools: string[], path = process.env.PATH ?? ''): string[] {
  const dirs = path.split(delimiter).filter(Boolean);
  return tools
    .filter((t) => !dirs.some((d) => existsSync(join(d, t))))
    .map((t) => {
      const info = REQUIRED_TOOLS.find((r) => r.name === t);
      return `${t} is not installed (needed: ${info?.why ?? 'by the bootstrap'}). Install it: ${info?.install ?? ''}`;
    });
}

const FLUX_KINDS = 'kustomizations.kustomize.toolkit.fluxcd.io,helmreleases.helm.toolkit.fluxcd.io';

export async function readFlux(): Promise<FluxObject[]> {
  const r = await exec(['kubectl', '--context', CLUSTER.context, 'get', FLUX_KINDS, '-A', '-o', 'json']);
  if (r.code !== 0)
    throw new UserError(`cannot read Flux objects from the cluster: ${r.stderr.trim().split('\n')[0]}`, 'Is the cluster up? Run `npx paddock cluster up`.');
  return fluxObjects(r.stdout);
}

/** The apps' secret stores and external secrets (ESO); empty when ESO is not installed yet. */
export async function readSecretSync(): Promise<FluxObject[]> {
  const r = await exec([
    'kubectl',
    '--context',
    CLUSTER.context,
    'get',
    'secretstores.external-secrets.io,externalsecrets.external-secrets.io',
    '-A',
    '-o',
    'json',
  ]);
  return r.code === 0 ? fluxObjects(r.stdout) : [];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFlux(a: Extract<Action, { kind: 'wait-flux' }>): Promise<void> {
  const deadline = Date.now() + a.timeoutSeconds * 1000;
  let last = '';
  for (;;) {
    const objects = await readFlux().catch(() => [] as FluxObject[]);
    const line = objects.length ? progressLine(objects) : 'waiting for Flux objects';
    if (line !== last) process.stderr.write(`      ${pc.dim(line)}\n`);
    last = line;
    if (allReady(objects, a.names)) return;
    if (Date.now() > deadline) {
      const stuck = objects.filter((o) => o.ready !== 'True').map((o) => `${o.kind}/${o.name}: ${o.message}`);
      throw new UserError(
        `Flux did not converge in ${Math.round(a.timeoutSeconds / 60)} minutes:\n  ${stuck.join('\n  ')}`,
        'See `flux get all -A` and `npx paddock cluster status`.',
      );
    }
    await sleep(5000);
  }
}

async function http(a: Extract<Action, { kind: 'http' }>): Promise<void> {
  const deadline = Date.now() + (a.retryForSeconds ?? 0) * 1000;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (a.basicAuth) {
    const pw = process.env[a.basicAuth.passwordEnv] ?? a.basicAuth.default;
    headers.authorization = `Basic ${Buffer.from(`${a.basicAuth.user}:${pw}`).toString('base64')}`;
  }
  for (;;) {
    try {
      const res = await fetch(a.url, { method: a.method, headers, body: a.body === undefined ? undefined : JSON.stringify(a.body) });
      if (a.okStatus.includes(res.status)) return;
      if (Date.now() > deadline) throw new UserError(`${a.method} ${a.url} answered HTTP ${res.status}`);
    } catch (err) {
      if (err instanceof UserError || Date.now() > deadline)
        throw err instanceof UserError ? err : new UserError(`${a.method} ${a.url} failed: ${(err as Error).message}`);
    }
    await sleep(5000);
  }
}

/** Execute the steps in order, stopping at the first failure with a plain message. */
export async function runPlan(steps: Step[], onStatus: () => Promise<void>): Promise<void> {
  for (const [i, s] of steps.entries()) {
    process.stderr.write(`${pc.bold(`[${i + 1}/${steps.length}]`)} ${s.title}\n`);
    const a = s.action;
    switch (a.kind) {
      case 'tools': {
        const missing = missingTools(a.tools);
        if (missing.length) throw new UserError(`missing tools:\n  ${missing.join('\n  ')}`, 'Install them and run the command again; nothing was changed.');
        break;
      }
      case 'exec': {
        if (a.skipIf && (await exec(a.skipIf, { cwd: a.cwd })).code === 0) {
          process.stderr.write(`      ${pc.dim('already done, skipped')}\n`);
          break;
        }
        process.stderr.write(`      ${pc.dim(describe(a))}\n`);
        const env = { ...a.env };
        for (const k of a.secretEnv ?? []) if (process.env[k]) env[k] = process.env[k]!;
        const r = await exec(a.argv, { cwd: a.cwd, env, stream: true });
        if (r.code !== 0 && !(a.alreadyDone && (r.stderr + r.stdout).includes(a.alreadyDone))) {
          throw new UserError(`step ${i + 1} failed (${s.title}): ${a.argv[0]} exited with ${r.code}`, (r.stderr.trim().split('\n').pop() ?? '') || undefined);
        }
        break;
      }
      case 'http':
        await http(a);
        break;
      case 'wait-flux':
        await waitFlux(a);
        break;
      case 'wait-api':
        process.stderr.write(`      ${pc.dim(describe(a))}\n`);
        await waitAggregatedApi(a);
        break;
      case 'write':
        process.stderr.write(`      ${pc.dim(describe(a))}\n`);
        mkdirSync(dirname(a.path), { recursive: true });
        writeFileSync(a.path, a.content);
        break;
      case 'space':
        process.stderr.write(`      ${pc.dim(describe(a))}\n`);
        await checkSpace(a.needs, (line) => process.stderr.write(`      ${pc.dim(line)}\n`));
        break;
      case 'status':
        await onStatus();
        break;
    }
  }
}
