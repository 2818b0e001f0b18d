/**
 * The fleet's topics compared with the rule (topics.ts): a subscriber its
 * publisher does not accept, and a topic two apps publish, reported like a
 * one-sided call.
 */
import type { Finding } from '../report/finding.js';
import { lineOf } from './lines.js';
import type { AppInput } from './model.js';
import { topicDeclaration, topicGrants } from './topics.js';

const fileOf = (a: AppInput) => a.file ?? `${a.name}'s values file`;

export function topicFindings(apps: AppInput[]): Finding[] {
  const byName = new Map(apps.map((a) => [a.name, a]));
  const at = (a: AppInput, path: string[], f: Pick<Finding, 'severity' | 'message' | 'fix'>): Finding => {
    const line = lineOf(a.valuesText, path);
    return { rule: 'connectivity', file: fileOf(a), ...(line ? { line } : {}), path: path.join('.'), ...f };
  };
  const out: Finding[] = [];
  const { problems } = topicGrants(apps.map((a) => topicDeclaration(a.name, a.values)));
  for (const p of problems) {
    if (p.kind === 'not-accepted') {
      const pub = byName.get(p.publisher)!;
      const sub = byName.get(p.subscriber)!;
      out.push(
        at(pub, ['pubsub', 'allowSubscribersFrom'], {
          severity: 'warning',
          message: `${sub.name} subscribes to "${p.topic}" (pubsub.subscribes), but ${pub.name}, which publishes it, does not accept ${sub.namespace}, so ${sub.name} receives nothing.`,
          fix: `If ${sub.name} should receive "${p.topic}", add ${sub.namespace} to pubsub.allowSubscribersFrom in ${fileOf(pub)}; otherwise remove "${p.topic}" from pubsub.subscribes in ${fileOf(sub)}.`,
        }),
      );
    } else if (p.kind === 'shared') {
      for (const name of p.publishers) {
        const a = byName.get(name)!;
        const others = p.publishers.filter((x) => x !== name);
        out.push(
          at(a, ['pubsub', 'publishes'], {
            severity: 'error',
            message: `"${p.topic}" is published by ${name} and ${others.join(' and ')}: a topic has one publisher, so no app may send to it and no app receives it.`,
            fix: `Keep "${p.topic}" in pubsub.publishes of one app only; give the others' topics other names.`,
          }),
        );
      }
    }
  }
  return out;
}
