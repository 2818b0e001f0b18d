import { exec, type ExecResult } from './exec.js';
import { CLUSTER } from './versions.js';

/** kubectl against the platform's kind cluster; `input` goes to its stdin. */
export const kubectl = (args: string[], input?: string): Promise<ExecResult> => exec(['kubectl', '--context', CLUSTER.context, ...args], { input });

/** The first line of a command's error output (what a one-line finding quotes). */
export const firstLine = (text: string): string => text.trim().split('\n')[0] ?? '';

/** `kubectl get … -o json` that must succeed. */
export async function kubectlJson<T>(args: string[]): Promise<T> {
  const r = await kubectl([...args, '-o', 'json']);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${firstLine(r.stderr)}`);
  return JSON.parse(r.stdout) as T;
}

/** A shell script in Vault's pod, VAULT_ADDR set, with `args` as $1… and `input` (a token) on stdin, never on a command line. */
export const vaultShell = (script: string, args: string[], input: string): Promise<ExecResult> =>
  kubectl(['exec', '-i', '-n', 'vault-system', 'deploy/vault', '--', 'sh', '-c', `export VAULT_ADDR=http://127.0.0.1:8200; ${script}`, 'sh', ...args], input);

/** A key of a Secret, decoded (never printed by the callers). */
export async function secretValue(namespace: string, name: string, key: string): Promise<string> {
  const r = await kubectl(['get', 'secret', name, '-n', namespace, '-o', `jsonpath={.data.${key.replace(/\./g, '\\.')}}`]);
  if (r.code !== 0 || !r.stdout) throw new Error(`no key ${key} in Secret ${namespace}/${name}${r.code ? `: ${firstLine(r.stderr)}` : ''}`);
  return Buffer.from(r.stdout, 'base64').toString();
}
