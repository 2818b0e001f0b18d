/**
 * Kind → API resource, for matching admission rules offline. The API server
 * knows this from discovery; here it is a table of the kinds paddock renders
 * and meets, with the English plural as the fallback for anything else.
 */
import type { KubeObject } from './types.js';

const plural: Record<string, string> = {
  Endpoints: 'endpoints',
  Ingress: 'ingresses',
  NetworkPolicy: 'networkpolicies',
  PodSecurityPolicy: 'podsecuritypolicies',
  PriorityClass: 'priorityclasses',
  StorageClass: 'storageclasses',
  IngressClass: 'ingressclasses',
  RuntimeClass: 'runtimeclasses',
  ValidatingAdmissionPolicy: 'validatingadmissionpolicies',
  ResourceQuota: 'resourcequotas',
  HTTPEndpoint: 'httpendpoints',
  Resiliency: 'resiliencies',
  ServiceMonitor: 'servicemonitors',
  PodMonitor: 'podmonitors',
  HelmRepository: 'helmrepositories',
  GitRepository: 'gitrepositories',
  OCIRepository: 'ocirepositories',
  CiliumNetworkPolicy: 'ciliumnetworkpolicies',
  CiliumClusterwideNetworkPolicy: 'ciliumclusterwidenetworkpolicies',
};

/** Kinds that live outside namespaces. */
const clusterScoped = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'ClusterRole',
  'ClusterRoleBinding',
  'PriorityClass',
  'StorageClass',
  'IngressClass',
  'RuntimeClass',
  'CustomResourceDefinition',
  'APIService',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'CSIDriver',
  'CSINode',
  'VolumeAttachment',
  'CertificateSigningRequest',
  'FlowSchema',
  'PriorityLevelConfiguration',
  'ClusterSecretStore',
  'ClusterExternalSecret',
  'CiliumClusterwideNetworkPolicy',
]);

function resourceOf(kind: string): string {
  const known = plural[kind];
  if (known) return known;
  const k = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(k)) return `${k}es`;
  if (/[^aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  return `${k}s`;
}

export function isNamespaced(kind: string): boolean {
  return !clusterScoped.has(kind);
}

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
  kind: string;
}

export function gvrOf(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): GroupVersionResource {
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/', 2) : ['', obj.apiVersion];
  return { group: group ?? '', version: version ?? '', resource: resourceOf(obj.kind), kind: obj.kind };
}
