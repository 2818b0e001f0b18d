/** Recognising credentials in text, and showing them without giving them away. */

interface TokenPattern {
  re: RegExp;
  prefix: string;
  what: string;
}

/** Well-known credential formats. `prefix` is what may be shown; the rest never is. */
const TOKENS: TokenPattern[] = [
  { re: /sk-ant-[A-Za-z0-9_-]{20,}/, prefix: 'sk-ant-', what: 'an Anthropic API key' },
  { re: /sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/, prefix: 'sk-', what: 'an OpenAI-style API key' },
  { re: /\bgh[pousr]_[A-Za-z0-9]{30,}/, prefix: 'gh', what: 'a GitHub token' },
  { re: /\bgithub_pat_[A-Za-z0-9_]{30,}/, prefix: 'github_pat_', what: 'a GitHub token' },
  { re: /\bglpat-[A-Za-z0-9_-]{20,}/, prefix: 'glpat-', what: 'a GitLab token' },
  { re: /\bxox[abposr]-[A-Za-z0-9-]{10,}/, prefix: 'xox', what: 'a Slack token' },
  {
    re: /https:\/\/hooks\.slack\.com\/services\/T[A-Za-z0-9]+\/B[A-Za-z0-9]+\/[A-Za-z0-9]{10,}/,
    prefix: 'https://hooks.slack.com/services/',
    what: 'a Slack webhook address',
  },
  { re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, prefix: 'AKIA', what: 'an AWS access key' },
  { re: /\bAIza[0-9A-Za-z_-]{35}\b/, prefix: 'AIza', what: 'a Google API key' },
  { re: /\b[sr]k_live_[0-9A-Za-z]{16,}/, prefix: 'sk_live_', what: 'a Stripe secret key' },
  { re: /\bhf_[A-Za-z0-9]{30,}/, prefix: 'hf_', what: 'a Hugging Face token' },
  { re: /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/, prefix: 'SG.', what: 'a SendGrid API key' },
  { re: /\bgsk_[A-Za-z0-9]{30,}/, prefix: 'gsk_', what: 'a Groq API key' },
  { re: /\bnpm_[A-Za-z0-9]{30,}/, prefix: 'npm_', what: 'an npm token' },
  { re: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----/, prefix: '-----BEGIN ', what: 'a private key' },
  { re: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, prefix: 'eyJ', what: 'a signed token (JWT)' },
];

export interface TokenHit {
  what: string;
  shown: string;
  index: number;
}

/** The first well-known credential in `text`, redacted. */
export function findToken(text: string): TokenHit | undefined {
  for (const t of TOKENS) {
    const m = t.re.exec(text);
    if (m && !isPlaceholder(m[0])) return { what: t.what, shown: redact(m[0], t.prefix), index: m.index };
  }
  return undefined;
}

/** `sk-ant-api03-abc…` → `sk-ant-…(redacted)`. Never more than the known prefix, or 3 characters. */
export function redact(secret: string, prefix?: string): string {
  const known = prefix && secret.startsWith(prefix) ? prefix : undefined;
  const show = known ?? (secret.length >= 20 ? secret.slice(0, 3) : '');
  return `${show}…(redacted)`;
}

/** Values that are obviously not real credentials: empty, templated, or "your-key-here". */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  if (v.length < 6) return true;
  if (/\{[^}]*\}|\$\{|\$[A-Z_]+|%\(|%s|<[^>]+>/.test(v)) return true;
  if (
    /^(x+|\*+|\.+|-+|0+|1234.*|test|testing|example|sample|dummy|fake|placeholder|none|null|undefined|changeme|change[-_]?me|secret|password|todo|tbd)$/i.test(
      v,
    )
  )
    return true;
  if (
    /your[-_ ]?(api[-_ ]?)?(key|token|secret|password)|replace[-_ ]?(me|with)|insert[-_ ]|put[-_ ]your|xxx|\.\.\.|…|example|dummy|fake|placeholder|changeme/i.test(
      v,
    )
  )
    return true;
  return false;
}

/** Does a literal bound to a secret-sounding name look like a real value (not a name, path, URL or sentence)? */
export function looksLikeSecretValue(value: string): boolean {
  const v = value.trim();
  if (isPlaceholder(v)) return false;
  if (/\s/.test(v)) return false; // sentences, messages
  if (/^[A-Z][A-Z0-9_]*$/.test(v)) return false; // the name of an environment variable
  if (/^[a-z][a-z0-9]*([-.][a-z0-9]+)*$/.test(v) && v.length < 24 && !/\d/.test(v)) return false; // a key name such as `openai-api-key`
  if (/^(https?:)?\/\//.test(v) && !/:[^/@]+@/.test(v)) return false; // an address without credentials
  if (/^\/|^\.\.?\//.test(v)) return false; // a path
  if (/^(Bearer|Basic|Token)$/i.test(v)) return false;
  return v.length >= 8;
}

/** Credentials inside a URL: `postgresql://user:pass@host/db`. */
export function urlPassword(value: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:([^@/\s]+)@/i.exec(value.trim());
  if (!m || isPlaceholder(m[1]!) || /^\{/.test(m[1]!)) return undefined;
  return m[1];
}

/** A URL with any password replaced, for messages. */
export function safeUrl(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)([^@/\s]+)@/i, '$1…(redacted)@');
}
