import type { Command } from 'commander';
import { collectInputs } from '../check/inputs.js';
import { startRendering } from '../check/render-all.js';
import { paths } from '../paths.js';
import { loadPolicyFolders } from '../policies/load.js';
import { UserError } from '../report/errors.js';
import { emitReport } from '../report/print.js';
import { ensureTools } from '../tools/ensure.js';

interface CheckFlags {
  name?: string;
  json?: boolean;
  verbose?: boolean;
  server?: boolean;
  kubeconfig?: string;
  policies?: string[];
}

export function register(program: Command): void {
  program
    .command('check')
    .description(
      "Validate, render and judge apps (and any Kubernetes YAML) against the platform's guardrails:\nthe contract, strict schemas, the admission policies (sidecar included) and who-can-reach-whom",
    )
    .argument('<path...>', 'values files, Kubernetes YAML files, or folders holding them')
    .option('--name <name>', 'the app name, when checking one values file')
    .option(
      '--policies <dir>',
      'also judge by your own ValidatingAdmissionPolicies and bindings in this folder, with the params they name (offline and with --server); repeatable',
      (v: string, all: string[] = []) => [...all, v],
    )
    .option(
      '--server',
      "let a real, throw-away Kubernetes API server judge admission (the pinned version, with the platform's CRDs, policies and namespaces; started on loopback and removed afterwards)",
    )
    .option('--kubeconfig <file>', 'let an existing cluster judge admission instead (server-side dry run only: nothing is written)')
    .option('--verbose', 'also print the connectivity matrix, and the folder entries skipped because they are not regular files')
    .option('--json', 'print the findings as JSON')
    .addHelpText(
      'after',
      `
Without --server or --kubeconfig, paddock evaluates the admission policies itself.
With either, the API server is the judge: every object is sent with server-side
dry run as the identity that would send it (the chart's objects as Flux's
helm-controller, hand-written manifests as a tenant, each workload's Pod with the
Dapr sidecar as the ReplicaSet controller); its refusals are reported with the
file, line, policy, the server's message and the fix. Progress goes to stderr.

Exit codes: 0 all pass, 1 findings, 2 usage or I/O error (a server that cannot start).`,
    )
    .action(async (args: string[], opts: CheckFlags) => {
      if (opts.server && opts.kubeconfig)
        throw new UserError(
          '--server and --kubeconfig exclude each other',
          'Pick one: --server starts a throw-away API server, --kubeconfig FILE uses an existing cluster.',
        );
      if (opts.kubeconfig && opts.policies?.length)
        throw new UserError(
          '--policies and --kubeconfig exclude each other: an existing cluster judges with the policies it holds, and paddock never writes to it',
          'Install your policies in that cluster, or judge them offline or with --server.',
        );
      // Read the policy folders before anything runs: a bad folder is a usage error (exit 2) that changes nothing.
      const policies = opts.policies?.length ? loadPolicyFolders([paths.policies, ...opts.policies]) : undefined;
      if (opts.kubeconfig) (await import('../server/kubeconfig.js')).loadKubeconfig(opts.kubeconfig); // a bad file is a usage error before any work
      const inputs = await collectInputs(args);
      // An installed paddock finds or builds what it runs (a no-op in a checkout).
      await ensureTools(opts.server ? ['paddock-engine', 'kube-apiserver', 'etcd'] : ['paddock-engine']);
      if (opts.verbose) for (const s of inputs.skipped ?? []) process.stderr.write(`skipped ${s.path}: ${s.kind}, not a regular file\n`);
      // The render engine starts first and works while the policies and the contract load.
      const rendering = startRendering(inputs, opts.name);
      const { runCheck } = await import('../check/pipeline.js');
      let judge = '';
      const admission =
        opts.server || opts.kubeconfig
          ? async (ctx: import('../check/pipeline.js').AdmissionContext) => {
              const { judgeOnServer } = await import('../server/check.js');
              const r = await judgeOnServer(
                { server: opts.server, kubeconfig: opts.kubeconfig },
                { ...ctx, ...(policies ? { policies } : {}), objects: ctx.objects.map((o) => ({ object: o.object as never, file: o.file, line: o.line })) },
              );
              judge = r.judge;
              return r.findings;
            }
          : undefined;
      const result = await runCheck(inputs, { name: opts.name, rendering, admission, policies });
      if (opts.verbose && !opts.json && result.connectivity) {
        const { formatMatrix } = await import('../connectivity/index.js');
        process.stdout.write(`${formatMatrix(result.connectivity.matrix)}\n\n`);
      }
      const what = [
        inputs.valuesFiles.length ? `${inputs.valuesFiles.length} app${inputs.valuesFiles.length > 1 ? 's' : ''}` : '',
        inputs.manifestFiles.length ? `${inputs.manifestFiles.length} manifest file${inputs.manifestFiles.length > 1 ? 's' : ''}` : '',
      ]
        .filter(Boolean)
        .join(' and ');
      const admitted = `${judge ? `admission (judged by ${judge})` : 'admission policies'}${policies ? ` (the platform's and ${opts.policies!.join(', ')})` : ''}`;
      process.exitCode = emitReport({ ok: result.ok, findings: result.findings }, opts, `${what}: contract, schemas, ${admitted} and connectivity all pass`);
    });
}
