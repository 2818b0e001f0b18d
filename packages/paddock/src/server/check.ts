/**
 * The server side of `paddock check`: a throw-away control plane (--server)
 * or an existing cluster (--kubeconfig FILE) judges the rendered objects.
 */
import { kubeMinorVersion } from '../contract/platform-settings.js';
import { loadPlatformInjectorSettings } from '../policies/injector-settings.js';
import { loadPolicies } from '../policies/load.js';
import type { Finding } from '../report/finding.js';
import { UserError } from '../report/errors.js';
import { ensureSchemas } from '../schema/generated.js';
import { KubeClient } from './client.js';
import { ServerJudge, preparePlatform, type JudgeInput } from './judge.js';

export interface ServerTarget {
  /** Start the throw-away control plane. */
  server?: boolean;
  /** Judge against this cluster instead (dry-run only). */
  kubeconfig?: string;
}

export type JudgeRequest = Omit<JudgeInput, 'policies' | 'injector' | 'say'> & Partial<Pick<JudgeInput, 'policies' | 'injector' | 'say'>>;

const defaultSay = (line: string): void => {
  process.stderr.write(`[server] ${line}\n`);
};

export async function judgeOnServer(target: ServerTarget, request: JudgeRequest): Promise<{ findings: Finding[]; judge: string }> {
  const input: JudgeInput = {
    ...request,
    policies: request.policies ?? loadPolicies(),
    injector: request.injector ?? loadPlatformInjectorSettings(),
    say: request.say ?? defaultSay,
  };
  if (target.kubeconfig) return judgeExisting(target.kubeconfig, input);
  return judgeThrowaway(input);
}

async function judgeThrowaway(input: JudgeInput): Promise<{ findings: Finding[]; judge: string }> {
  await ensureSchemas();
  const { startControlPlane } = await import('./control-plane.js');
  const { pinnedCrds } = await import('./crds.js');
  input.say('starting a throw-away etcd and kube-apiserver on loopback');
  const cp = await startControlPlane({ say: input.say });
  try {
    const refused = await preparePlatform(cp.client, input, pinnedCrds() as never);
    const findings = [...refused, ...(await new ServerJudge(cp.client, 'throwaway', input).run())];
    return { findings, judge: `a throw-away kube-apiserver ${cp.version}` };
  } finally {
    cp.client.close();
    await cp.stop();
    input.say('stopped the throw-away API server and removed its data');
  }
}

async function judgeExisting(file: string, input: JudgeInput): Promise<{ findings: Finding[]; judge: string }> {
  const { loadKubeconfig } = await import('./kubeconfig.js');
  const conn = loadKubeconfig(file);
  const client = new KubeClient(conn, { readOnly: true });
  try {
    const v = await client.request('GET', '/version', undefined, { timeoutMs: 10_000 }).catch((err: Error) => {
      throw new UserError(
        `cannot reach the cluster of ${file} (${conn.server}): ${err.message}`,
        'Check that the cluster is up and the kubeconfig is the right one.',
      );
    });
    if (v.status !== 200)
      throw new UserError(
        `the cluster of ${file} (${conn.server}) answered ${v.status} to GET /version: ${v.body?.message ?? ''}`,
        "Check the kubeconfig user's credentials.",
      );
    const version = String(v.body?.gitVersion ?? '?');
    input.say(`judging against ${conn.server} (context ${conn.context}, Kubernetes ${version}); dry run only, nothing is written`);
    const findings = await new ServerJudge(client, 'existing', input).run();
    const minor = /^v?(\d+)\.(\d+)/.exec(version);
    if (minor && `v${minor[1]}.${minor[2]}` !== kubeMinorVersion()) {
      findings.unshift({
        rule: 'kubernetes-version',
        severity: 'warning',
        message: `That cluster runs Kubernetes ${version}; the platform targets ${kubeMinorVersion()} (charts/app/values.yaml platform.kubeVersion).`,
        fix: "Judge against a cluster of the platform's version, or move the platform's pin (tools/README.md says how).",
      });
    }
    return { findings, judge: `the cluster at ${conn.server}` };
  } finally {
    client.close();
  }
}
