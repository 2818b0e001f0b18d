import { kubeVersion } from '../contract/platform-settings.js';
import { paths, tool } from '../paths.js';
import type { Finding } from '../report/finding.js';
import { run } from '../run.js';

/** The arguments of `helm template` for one app, as the platform renders it. */
export function helmTemplateArgs(app: { name: string; namespace: string; file: string }, chart = paths.chart): string[] {
  return ['template', app.name, chart, '--namespace', app.namespace, '--kube-version', kubeVersion(), '-f', app.file];
}

/** A helm failure in plain words: the template's own `fail` message, without helm's plumbing. */
export function helmFailure(stderr: string): string {
  const text = stderr.replace(/^Error: /m, '').trim();
  const failed = /execution error at \([^)]*\): (.*)$/m.exec(text);
  if (failed?.[1]) return failed[1];
  return text
    .split('\n')
    .filter((l) => !/^(Use --debug|INSTALLATION FAILED)/.test(l))
    .join(' ')
    .trim();
}

/** Render one app through the real chart with the pinned helm. */
export async function helmTemplate(app: { name: string; namespace: string; file: string }): Promise<{ manifest?: string; findings: Finding[] }> {
  const r = await run(tool('helm'), helmTemplateArgs(app));
  if (r.code === 0) return { manifest: r.stdout, findings: [] };
  return {
    findings: [
      {
        rule: 'render',
        severity: 'error',
        file: app.file,
        message: `The shared chart refused this app: ${helmFailure(r.stderr)}`,
        fix: 'Fix the value it names in your values file.',
      },
    ],
  };
}
