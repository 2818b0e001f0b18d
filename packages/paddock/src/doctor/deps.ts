/** unpinned-dependencies: requirements.txt, pyproject.toml and package.json. */
import type { Finding } from '../report/finding.js';

const RULE = 'unpinned-dependencies';

/** requirements.txt: every requirement should be `name==version` (or a pinned URL/hash). */
export function checkRequirements(text: string, file: string): Finding[] {
  const out: Finding[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (!line || line.startsWith('#') || line.startsWith('-') || /^[a-z+]+:\/\//i.test(line) || line.includes(' @ ')) return;
    const spec = line.split(';')[0]!.trim();
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$/.exec(spec);
    if (!m) return;
    const [, name, , constraint] = m;
    if (/^===?\s*[^*,\s]+$/.test(constraint!.trim())) return;
    out.push({
      rule: RULE,
      severity: 'warning',
      file,
      line: i + 1,
      path: name,
      message: constraint
        ? `\`${spec}\` allows any matching version, so the next build may install a different ${name} than the one you tested.`
        : `\`${name}\` has no version, so every build installs whatever is newest that day.`,
      fix: `Pin the version you tested: \`${name}==<version>\` (\`pip freeze | grep -i ^${name}=\` shows it).`,
    });
  });
  return out;
}

/** pyproject.toml: PEP 621 `dependencies = [...]` and Poetry's `[tool.poetry.dependencies]`. */
export function checkPyproject(text: string, file: string): Finding[] {
  const out: Finding[] = [];
  const lines = text.split(/\r?\n/);
  let section = '';
  let inArray = false;
  lines.forEach((raw, i) => {
    const line = raw.replace(/\s+#.*$/, '').trim();
    const sec = /^\[([^\]]+)\]$/.exec(line);
    if (sec) {
      section = sec[1]!;
      inArray = false;
      return;
    }
    if (section === 'project' && /^dependencies\s*=\s*\[/.test(line)) inArray = true;
    if (inArray) {
      for (const m of line.matchAll(/"([^"]+)"|'([^']+)'/g)) {
        const spec = (m[1] ?? m[2])!;
        const name = /^[A-Za-z0-9._-]+/.exec(spec)?.[0] ?? spec;
        if (/==\s*[^*,\s]+\s*(;.*)?$/.test(spec) || spec.includes(' @ ')) continue;
        out.push({
          rule: RULE,
          severity: 'warning',
          file,
          line: i + 1,
          path: name,
          message: `\`${spec}\` does not pin a version, so the next build may install a different ${name} than the one you tested.`,
          fix: `Pin it: \`"${name}==<version>"\`.`,
        });
      }
      if (line.includes(']')) inArray = false;
      return;
    }
    if (section === 'tool.poetry.dependencies') {
      const m = /^([A-Za-z0-9._-]+)\s*=\s*"([^"]*)"/.exec(line);
      if (m && m[1] !== 'python' && !/^=?=?\d[\w.]*$/.test(m[2]!)) {
        out.push({
          rule: RULE,
          severity: 'warning',
          file,
          line: i + 1,
          path: m[1],
          message: `\`${m[1]} = "${m[2]}"\` allows a range of versions; with no poetry.lock committed, builds can differ.`,
          fix: `Pin it (\`${m[1]} = "<version>"\`) or commit poetry.lock.`,
        });
      }
    }
  });
  return out;
}

const EXACT = /^(=|v)?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** package.json: exact versions, and a lockfile next to it. */
export function checkPackageJson(text: string, file: string, hasLockfile: boolean): Finding[] {
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return [
      {
        rule: RULE,
        severity: 'warning',
        file,
        line: 1,
        message: 'package.json is not valid JSON, so its dependencies could not be checked.',
        fix: 'Fix the JSON syntax (npm install shows where).',
      },
    ];
  }
  const out: Finding[] = [];
  const lines = text.split(/\r?\n/);
  const lineOf = (section: string, name: string): number => {
    const start = lines.findIndex((l) => l.includes(`"${section}"`));
    const idx = lines.findIndex((l, i) => i > start && l.includes(`"${name}"`));
    return idx >= 0 ? idx + 1 : Math.max(start + 1, 1);
  };
  for (const section of ['dependencies', 'optionalDependencies']) {
    const deps = pkg[section];
    if (!deps || typeof deps !== 'object') continue;
    for (const [name, spec] of Object.entries(deps as Record<string, unknown>)) {
      if (typeof spec !== 'string') continue;
      if (EXACT.test(spec) || /^(file:|link:|workspace:|git\+|github:|https?:.*#[0-9a-f]{7,}$|npm:.*@\d+\.\d+\.\d+$)/.test(spec)) continue;
      const moving = /^(\*|latest|next|x|)$/.test(spec.trim());
      out.push({
        rule: RULE,
        severity: 'warning',
        file,
        line: lineOf(section, name),
        path: `${section}.${name}`,
        message: moving
          ? `"${name}": "${spec}" installs whatever version is newest at build time.`
          : `"${name}": "${spec}" is a range${hasLockfile ? '; the lockfile pins it only if the image is built with `npm ci`' : ' and there is no lockfile, so each build may install a different version'}.`,
        fix: `Pin the version you tested: "${name}": "<x.y.z>" (\`npm install --save-exact ${name}\`)${hasLockfile ? '' : ', and commit package-lock.json'}.`,
      });
    }
  }
  return out;
}
