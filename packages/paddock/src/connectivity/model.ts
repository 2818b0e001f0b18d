/** The inputs and outputs of the connectivity check. */
import type { IpSet } from './ipset.js';
import type { LabelSelector, Labels } from './selector.js';

/** Any rendered Kubernetes object (parsed YAML). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Labels; annotations?: Record<string, string> };
  spec?: unknown;
  [key: string]: unknown;
}

/** One app as `paddock check` knows it: its values file and what the chart rendered from it. */
export interface AppInput {
  /** App name = Dapr app-id = release name. */
  name: string;
  /** `<name>-ns`. */
  namespace: string;
  /** The parsed values file (the app author's, not merged with chart defaults). */
  values: AppValues;
  /** The rendered objects (NetworkPolicies, the Dapr Configuration, the Deployment, …). */
  objects: KubeObject[];
  /** The values file as the user named it; findings point at it. */
  file?: string;
  /** The values file's text, to give findings a line number. */
  valuesText?: string;
  /** Extra labels the platform puts on the app namespace (besides kubernetes.io/metadata.name). */
  namespaceLabels?: Labels;
}

/** The part of the contract the connectivity check reads. */
interface AppValues {
  /** The app's port; `none` for an app that serves nothing (a worker or a client). */
  port?: number | 'none';
  networkPolicy?: { allowIngressFrom?: string[] | null; allowEgressTo?: string[] | null } | null;
  statestore?: { enabled?: boolean } | null;
  pubsub?: { enabled?: boolean } | null;
  secretstore?: { enabled?: boolean } | null;
  binding?: { enabled?: boolean } | null;
  [key: string]: unknown;
}

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface PortSpec {
  port: number;
  protocol: Protocol;
  /** Container port name, for NetworkPolicy named ports. */
  name?: string;
  /** Last port of a range the endpoint serves (the nodes' NodePorts, 30000-32767). */
  endPort?: number;
}

/** What a platform component is, so findings can say "Redis" rather than a label set. */
type Role =
  | 'dns'
  | 'dapr-control-plane'
  | 'redis'
  | 'vault'
  | 'monitoring'
  | 'internet'
  | 'platform'
  /** The Kubernetes API server: its Service address and its endpoints on the control-plane nodes. */
  | 'api-server'
  /** The cluster's nodes: the kubelet, NodePorts, host-network pods. */
  | 'node'
  /** kube-system's pods other than CoreDNS's DNS port: metrics-server, the Cilium operator, … */
  | 'kube-system';

/** A platform workload the apps may (or must not) talk to. */
export interface PlatformPod {
  name: string;
  labels: Labels;
  ports: PortSpec[];
  role: Role;
}

export interface PlatformNamespace {
  namespace: string;
  labels?: Labels;
  pods: PlatformPod[];
  /** This namespace's own NetworkPolicies; none given = not isolated. */
  policies?: KubeObject[];
}

export interface Platform {
  namespaces: PlatformNamespace[];
  /** Where pod addresses come from, for ipBlock peers (kind's default: 10.244.0.0/16). */
  podCidrs: string[];
  /** Ports a public host may serve; what an egress rule to the internet is checked on. */
  internetPorts: PortSpec[];
  /** The node network (kind: the Docker network 172.18.0.0/16): where nodes, and the API server's endpoints, live. */
  nodeCidrs?: string[];
  /** Ports every node serves: the kubelet, NodePorts, host-network pods. */
  nodePorts?: PortSpec[];
  /** The API server: its Service (`kubernetes.default`, 10.96.0.1:443) and its endpoints on the control-plane nodes (6443). */
  apiServer?: { serviceAddresses: string[]; servicePort: number; port: number };
}

/** `host`: an address outside the pod network that is not the internet (the nodes, the API server). */
type EndpointKind = 'app' | 'app-other' | 'platform' | 'internet' | 'host';

/** A source or destination of traffic. */
export interface Endpoint {
  /** `ns/pod`, or `internet`. */
  id: string;
  kind: EndpointKind;
  /** Short label for tables and messages: `app1`, `redis-system/redis`, `internet`. */
  label: string;
  namespace?: string;
  /** The app this endpoint belongs to (kind app / app-other). */
  app?: string;
  role?: Role;
  labels: Labels;
  namespaceLabels: Labels;
  /** Ports the endpoint serves (what others may connect to). */
  ports: PortSpec[];
  /** Addresses it may have: the pod CIDR for pods, public space for the internet. */
  addresses: IpSet;
}

/** One NetworkPolicy, reduced to what evaluation needs. */
export interface NetworkPolicy {
  name: string;
  namespace: string;
  podSelector: LabelSelector;
  ingressIsolating: boolean;
  egressIsolating: boolean;
  ingress: PolicyRule[];
  egress: PolicyRule[];
}

export interface PolicyRule {
  /** Absent or empty `from`/`to`: every peer. */
  peers: PolicyPeer[] | null;
  /** Absent or empty `ports`: every port. */
  ports: PolicyPort[] | null;
}

export interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[]; set: IpSet };
}

export interface PolicyPort {
  protocol: Protocol;
  port?: number | string;
  endPort?: number;
}

/** A connection the network allows. */
export interface Flow {
  from: string;
  to: string;
  port: number;
  /** Last port, when the destination serves a range (NodePorts). */
  endPort?: number;
  protocol: Protocol;
  /** The NetworkPolicies that let it out of the source and into the destination ("" = not isolated). */
  egressBy: string;
  ingressBy: string;
}

export type AclVerdict = 'allow' | 'deny' | 'some-operations';

/** App A calling app B through Dapr (sidecar to sidecar). */
export interface DaprCall {
  from: string;
  to: string;
  /** The network lets A's pod reach B's pod on Dapr's internal port. */
  network: boolean;
  /** B's Dapr access control, for caller A. */
  acl: AclVerdict;
  /** Both layers allow it. */
  effective: boolean;
  callerDeclares: boolean;
  calleeDeclares: boolean;
}

/** Who can reach whom, for `explain` and `check --verbose`. */
export interface Matrix {
  endpoints: Endpoint[];
  flows: Flow[];
  daprCalls: DaprCall[];
  /** Endpoint id → isolation, for app pods and the other pods of app namespaces. */
  isolation: Record<string, { ingress: boolean; egress: boolean }>;
}

/** Dapr's sidecar-to-sidecar gRPC port (dapr-internal). */
export const DAPR_INTERNAL_PORT = 50002;
