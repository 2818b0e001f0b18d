import { existsSync } from 'node:fs';
import { UserError } from '../report/errors.js';
import type { ImageSource } from './images.js';

/** What the plan adapts to on the machine it runs on. */
export interface HostFacts {
  /** The host is on cgroup v1 (no /sys/fs/cgroup/cgroup.controllers): kubelet 1.35+ then needs failCgroupV1: false. */
  cgroupV1: boolean;
}

export function hostFacts(): HostFacts {
  return { cgroupV1: !existsSync('/sys/fs/cgroup/cgroup.controllers') };
}

/** The registries the upstream images come from. */
export const REGISTRIES = ['https://registry.k8s.io/v2/', 'https://quay.io/v2/'];

/** True when every registry answers HTTP at all (a 401 counts: it is there), within `timeoutMs`. */
export async function registriesAnswer(timeoutMs = 3000, urls = REGISTRIES): Promise<boolean> {
  const one = async (url: string): Promise<boolean> => {
    try {
      await fetch(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
      return true;
    } catch {
      return false;
    }
  };
  return (await Promise.all(urls.map(one))).every(Boolean);
}

export const IMAGE_SOURCE_ENV = 'PADDOCK_IMAGE_SOURCE';

/**
 * The image source: --images (or PADDOCK_IMAGE_SOURCE) pull|build|auto;
 * auto (the default) pulls where the registries answer and builds where they don't.
 */
export async function chooseImageSource(
  flag: string | undefined,
  probe: () => Promise<boolean> = registriesAnswer,
): Promise<{ source: ImageSource; why: string }> {
  const raw = flag ?? process.env[IMAGE_SOURCE_ENV] ?? 'auto';
  const where = flag !== undefined ? '--images' : process.env[IMAGE_SOURCE_ENV] !== undefined ? IMAGE_SOURCE_ENV : 'the default';
  if (raw === 'pull' || raw === 'build') return { source: raw, why: `${where} says ${raw}` };
  if (raw !== 'auto')
    throw new UserError(
      `${where} is "${raw}"; it must be pull, build or auto`,
      'pull: upstream images from their registries; build: every image from pinned source here; auto: pull where the registries answer.',
    );
  return (await probe())
    ? { source: 'pull', why: `the registries answer (${REGISTRIES.map((u) => new URL(u).host).join(', ')})` }
    : { source: 'build', why: `no registry answers (${REGISTRIES.map((u) => new URL(u).host).join(', ')})` };
}
