/** dotenv-file: `.env` files next to the code. */
import type { Finding } from '../report/finding.js';
import { isSecretName } from './names.js';
import { findToken, isPlaceholder, redact } from './secrets.js';

const EXAMPLE = /\.(example|sample|template|dist|defaults?)$/;

export function checkDotenv(text: string, file: string): Finding[] {
  const out: Finding[] = [];
  let firstSetting: number | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(raw);
    if (!m) return;
    const key = m[1]!;
    const value = m[2]!
      .replace(/\s+#.*$/, '')
      .trim()
      .replace(/^["']|["']$/g, '');
    if (!value) return;
    firstSetting ??= i + 1;
    const token = findToken(value);
    if (token || (isSecretName(key) && !isPlaceholder(value))) {
      out.push({
        rule: 'dotenv-file',
        severity: 'error',
        file,
        line: i + 1,
        path: key,
        message: `${file} holds ${token ? token.what : 'a secret'} in ${key} (${token ? token.shown : redact(value)}). A .env file travels with the code and the image (\`COPY . .\`), so whoever gets either gets the secret; in the cluster the file is not read anyway.`,
        fix: `Delete the value from ${file} (and revoke it if it was ever shared), put it in the platform's secret store under \`${key.toLowerCase().replace(/_/g, '-')}\` (values.yaml: secretstore.keys), and read it through Dapr.`,
      });
    }
  });
  if (!out.length && firstSetting !== undefined && !EXAMPLE.test(file)) {
    out.push({
      rule: 'dotenv-file',
      severity: 'warning',
      file,
      line: firstSetting,
      message: `${file} sets configuration the cluster never sees: the platform does not load .env files.`,
      fix: 'Move settings the app needs into its code defaults or values.yaml, and secrets into the secret store; then delete the file.',
    });
  }
  return out;
}
