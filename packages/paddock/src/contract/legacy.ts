import type { Finding } from '../report/finding.js';
import { lineOf, type ValuesFile } from './values-file.js';

interface Moved {
  path: string[];
  message: string;
  fix: string;
}

/** Keys of the seed's older values form that are now platform settings, with what to write instead. */
const MOVED: Moved[] = [
  {
    path: ['statestore', 'redis'],
    message: "statestore.redis is now a platform setting: the platform connects your state store to its Redis, with a Redis user of your app's own.",
    fix: 'Delete the redis: block; keep only `statestore: { enabled: true }`.',
  },
  {
    path: ['secretstore', 'vault'],
    message:
      'secretstore.vault (address, secretsPath, tokenSecret) is now a platform setting: your app reads only its own Vault path, with its own credentials, never a shared token.',
    fix: 'Delete the vault: block; keep `secretstore: { enabled: true }` and list the secret names you read under `keys:`.',
  },
  {
    path: ['dapr'],
    message: 'dapr settings (sidecar, config, log level) belong to the platform.',
    fix: 'Delete the dapr: block; every app gets a hardened Dapr sidecar.',
  },
  {
    path: ['image', 'pullPolicy'],
    message: 'image.pullPolicy is set by the platform.',
    fix: 'Delete image.pullPolicy.',
  },
  {
    path: ['platform'],
    message: "platform: holds the platform team's settings (Redis, Vault, registries, limits); an app's values file cannot set them.",
    fix: 'Delete the platform: block. If your app needs something different, ask the platform team.',
  },
];

/** Findings for keys of the older form; these replace the schema's generic "unknown key" errors. */
export function legacyFindings(vf: ValuesFile): Finding[] {
  const found: Finding[] = [];
  for (const m of MOVED) {
    if (vf.doc.hasIn(m.path)) {
      found.push({ rule: 'contract', severity: 'error', file: vf.file, line: lineOf(vf, m.path), path: m.path.join('.'), message: m.message, fix: m.fix });
    }
  }
  return found;
}

export const legacyPaths = new Set(MOVED.map((m) => m.path.join('.')));
