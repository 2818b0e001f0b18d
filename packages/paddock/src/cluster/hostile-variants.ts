/**
 * What a hostile tenant would send: three variants of an app's own
 * Deployment, each of which one admission policy must refuse. `cluster test`
 * sends them for the live apps, the stage-5 e2e test for the chart as rendered;
 * both as server-side dry runs, so nothing is created.
 */

interface Container {
  name: string;
  image: string;
  securityContext?: Record<string, unknown>;
}

/** The fields the variants touch; the rest of the object is kept as it is. */
export interface DeploymentLike {
  spec: { template: { spec: { nodeSelector?: Record<string, string>; containers: Container[] } } };
}

export interface HostileVariant {
  /** What the variant does, for a check's name ("a privileged container"). */
  what: string;
  /** The admission policy that must refuse it. */
  policy: string;
  /** A copy of the Deployment with the variant's edit; the original is left as it is. */
  of<D extends DeploymentLike>(deployment: D): D;
}

const appContainer = (d: DeploymentLike): Container => {
  const cs = d.spec.template.spec.containers;
  const c = cs.find((x) => x.name === 'app') ?? cs[0];
  if (!c) throw new Error('the Deployment has no container');
  return c;
};

const editing =
  (edit: (copy: DeploymentLike) => void) =>
  <D extends DeploymentLike>(d: D): D => {
    const copy = structuredClone(d);
    edit(copy);
    return copy;
  };

export function hostileVariants(otherPool: string): HostileVariant[] {
  return [
    {
      what: 'a privileged container',
      policy: 'paddock-pod-security-restricted',
      // with allowPrivilegeEscalation: the API server's own validation refuses privileged without it, before any policy
      of: editing((d) => {
        const app = appContainer(d);
        app.securityContext = { ...app.securityContext, privileged: true, allowPrivilegeEscalation: true };
      }),
    },
    {
      what: `a pod on pool ${otherPool}`,
      policy: 'paddock-pod-node-pool',
      of: editing((d) => {
        const pod = d.spec.template.spec;
        const sel = pod.nodeSelector ?? {};
        const key = Object.keys(sel).find((k) => k.endsWith('/nodepool')) ?? 'paddock.dev/nodepool';
        pod.nodeSelector = { ...sel, [key]: otherPool };
      }),
    },
    {
      what: 'an image tagged latest',
      policy: 'paddock-pod-images',
      of: editing((d) => {
        const app = appContainer(d);
        app.image = `${app.image.replace(/@sha256:[0-9a-f]+$/, '').replace(/:[^:/]+$/, '')}:latest`;
      }),
    },
  ];
}
