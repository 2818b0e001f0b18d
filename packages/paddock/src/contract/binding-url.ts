/**
 * Where an HTTP output binding may post: https to a fully qualified public
 * host name (charts/app/files/binding-hosts.yaml says why and holds the
 * lists). The chart's "paddock.bindingHost" helper and the admission policy
 * paddock-dapr-binding-hosts apply the same rule with the same sentences.
 * No message repeats the whole URL (webhook URLs carry tokens): they name the host.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { paths } from '../paths.js';
import { readYamlStream } from './yaml-read.js';

export interface BindingHosts {
  tlds: string[];
  privateSuffixes: string[];
  platformNamespaces: string[];
}

export const bindingHostsFile = join(paths.chart, 'files', 'binding-hosts.yaml');

let hosts: BindingHosts | undefined;

export function bindingHosts(): BindingHosts {
  if (hosts) return hosts;
  const v = readYamlStream(readFileSync(bindingHostsFile, 'utf8'), { mode: 'values' }).docs[0]?.value as Partial<BindingHosts> | undefined;
  const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');
  if (!v || !strings(v.tlds) || !strings(v.privateSuffixes) || !strings(v.platformNamespaces)) {
    throw new Error(`${bindingHostsFile} must hold the string lists tlds, privateSuffixes and platformNamespaces`);
  }
  hosts = { tlds: v.tlds, privateSuffixes: v.privateSuffixes, platformNamespaces: v.platformNamespaces };
  return hosts;
}

const HOST = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;

export interface BindingUrlVerdict {
  /** The host, lower-case, as far as it could be read. */
  host?: string;
  /** Why the URL is refused (a sentence after "binding.url "), or undefined when it is fine. */
  problem?: string;
}

/** Judge a binding URL. The authority is what Go's net/url sees: the text between https:// and the first /, ? or #. */
export function judgeBindingUrl(url: string): BindingUrlVerdict {
  if (!url.startsWith('https://')) return { problem: 'must start with https:// (plain http and other schemes are refused)' };
  const authority = url.slice('https://'.length).split(/[/?#]/)[0] ?? '';
  if (authority.includes('@')) return { problem: 'has a user name or password before its host (user@host), which the platform refuses' };
  const lower = authority.toLowerCase();
  if (lower.startsWith('[')) return { host: lower, problem: `host "${lower}" is an IP address; bindings post only to public host names` };
  const colon = lower.indexOf(':');
  const host = colon >= 0 ? lower.slice(0, colon) : lower;
  const port = colon >= 0 ? lower.slice(colon + 1) : '';
  if (colon >= 0 && port !== '443')
    return { host, problem: `names port ${port || '(none)'} for host "${host}"; only the https port, 443, is open to bindings` };
  if (host.endsWith('.')) return { host, problem: `host "${host}" ends with a dot; write it without the final dot` };
  if (host.length > 253 || !HOST.test(host))
    return { host, problem: `host "${host}" is not a host name (letters, digits, '-' and '.', with at least one dot; no IP addresses)` };
  const labels = host.split('.');
  const tld = labels[labels.length - 1] ?? '';
  const data = bindingHosts();
  if (/^([0-9]+|0x[0-9a-f]*)$/.test(tld)) return { host, problem: `host "${host}" is an IP address; bindings post only to public host names` };
  if (!data.tlds.includes(tld)) {
    return { host, problem: `host "${host}" does not end in a public top-level domain ("${tld}" is not one), so it may name something inside the cluster` };
  }
  const ns = labels.find((l) => data.platformNamespaces.includes(l) || l.endsWith('-ns'));
  if (ns)
    return {
      host,
      problem: `host "${host}" has a namespace of the cluster in it ("${ns}"); with the pod's DNS search path such names can lead inside the cluster`,
    };
  const near = data.privateSuffixes.find((s) => host === s || host.endsWith(`.${s}`));
  if (near) return { host, problem: `host "${host}" belongs to "${near}", whose names lead to loopback or private addresses, or are not public hosts at all` };
  return { host };
}

export const BINDING_URL_FIX = 'Use the public https:// address the service gave you, for example https://hooks.slack.com/services/….';
