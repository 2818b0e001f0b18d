import type { Command } from 'commander';
import { checkValuesFile } from '../contract/validate.js';
import { helmTemplate } from '../render/helm.js';
import { EXIT, makeReport } from '../report/finding.js';
import { formatReport } from '../report/print.js';
import { ensureTools } from '../tools/ensure.js';

export function register(program: Command): void {
  program
    .command('render')
    .description("Render an app's Kubernetes manifests through the shared chart (to stdout)")
    .argument('<file>', "the app's values file")
    .option('--name <name>', 'the app name (default: the folder of values.yaml, else the file name)')
    .action(async (file: string, opts: { name?: string }) => {
      const checked = await checkValuesFile(file, { name: opts.name });
      if (checked.app) await ensureTools(['helm']); // an installed paddock finds or builds it (a no-op in a checkout)
      const rendered = checked.app ? await helmTemplate(checked.app) : { findings: [] };
      const findings = [...checked.findings, ...rendered.findings];
      if (!checked.app || !('manifest' in rendered) || rendered.manifest === undefined) {
        process.stderr.write(`${formatReport(makeReport(findings), '')}\n`);
        process.exitCode = EXIT.findings;
        return;
      }
      process.stdout.write(rendered.manifest);
    });
}
