/**
 * Who sends objects to the API server, as admission sees it (request.userInfo).
 * Policies that keep a kind the platform's alone in an app namespace judge the
 * sender; `paddock check` judges each object as the identity that would really
 * send it: the shared chart's objects as Flux's helm-controller, the Pods of
 * workloads as the controller that creates them, hand-written manifests as a
 * tenant.
 */
export interface UserInfo {
  username: string;
  groups: string[];
}

function serviceAccount(namespace: string, name: string): UserInfo {
  return {
    username: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
  };
}

export const IDENTITIES = {
  /** Flux's helm-controller installs the shared chart (no spec.serviceAccountName on the app HelmReleases). */
  chartDelivery: serviceAccount('flux-system', 'helm-controller'),
  /** Flux's kustomize-controller applies the GitOps tree (namespaces, HelmReleases). */
  treeDelivery: serviceAccount('flux-system', 'kustomize-controller'),
  /** kube-controller-manager's ReplicaSet controller creates a Deployment's Pods. */
  podController: serviceAccount('kube-system', 'replicaset-controller'),
  /** Anyone else who can write to an app namespace: what hand-written manifests are judged as. */
  tenant: { username: 'paddock:tenant', groups: ['system:authenticated'] },
} as const satisfies Record<string, UserInfo>;
