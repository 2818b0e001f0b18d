/** One problem found in an app, a manifest or a tree: the shape every command reports. */
export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  /** A policy's name, `schema`, `connectivity`, `yaml`, `contract` or a doctor rule id. */
  rule: string;
  severity: Severity;
  /** The file the finding is about, as the user named it. */
  file?: string;
  /** 1-based line in `file`, where one is known. */
  line?: number;
  /** The field, dotted (`image.tag`), or the object (`Deployment/app1`). */
  path?: string;
  /** Plain English: what is wrong. */
  message: string;
  /** Plain English: what to do. */
  fix?: string;
}

/** `--json` output of validate, check and doctor. */
export interface Report {
  ok: boolean;
  findings: Finding[];
}

export function makeReport(findings: Finding[]): Report {
  return { ok: !findings.some((f) => f.severity === 'error'), findings };
}

/** Exit codes shared by every command. */
/** Exit codes shared by every command: 70 (sysexits' EX_SOFTWARE) is a bug in paddock, never the user's doing. */
export const EXIT = { ok: 0, findings: 1, usage: 2, bug: 70 } as const;
