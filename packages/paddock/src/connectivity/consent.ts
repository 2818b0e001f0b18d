/**
 * Consent between two apps for a call through Dapr: the caller lists the
 * callee's namespace in networkPolicy.allowEgressTo and the callee lists the
 * caller's in networkPolicy.allowIngressFrom. One judgement and one wording,
 * for `paddock check` (over the rendered apps) and `paddock dev` (over the apps
 * it runs together).
 */

/** One side of a call, as its values file declares it. */
export interface Party {
  name: string;
  namespace: string;
  /** The values file to name in the fix. */
  file: string;
  /** false for an app with `port: none`: it has no app channel, so it answers no calls. */
  answersCalls: boolean;
}

/** A call declared by one side only: which side's field to point at, and what to say. */
export interface ConsentGap {
  side: 'caller' | 'callee';
  field: 'networkPolicy.allowEgressTo' | 'networkPolicy.allowIngressFrom';
  message: string;
  fix: string;
}

/** What is wrong with the declarations of a call from `a` to `b`, or undefined when both agree (or neither declares it). */
export function consentGap(a: Party, b: Party, callerDeclares: boolean, calleeDeclares: boolean): ConsentGap | undefined {
  if (callerDeclares && !calleeDeclares && !b.answersCalls) {
    return {
      side: 'caller',
      field: 'networkPolicy.allowEgressTo',
      message: `${a.name} says it calls ${b.name} (networkPolicy.allowEgressTo lists ${b.namespace}), but ${b.name} has no port (port: none): it answers no calls, so the call will be refused.`,
      fix: `Remove ${b.namespace} from networkPolicy.allowEgressTo in ${a.file}; to hand ${b.name} work, publish a topic it subscribes to.`,
    };
  }
  if (callerDeclares && !calleeDeclares) {
    return {
      side: 'callee',
      field: 'networkPolicy.allowIngressFrom',
      message: `${a.name} says it calls ${b.name} (networkPolicy.allowEgressTo lists ${b.namespace}), but ${b.name} does not accept calls from ${a.namespace}, so the call will be refused.`,
      fix: `If ${a.name} should call ${b.name}, add ${a.namespace} to networkPolicy.allowIngressFrom in ${b.file}; otherwise remove ${b.namespace} from networkPolicy.allowEgressTo in ${a.file}.`,
    };
  }
  if (!callerDeclares && calleeDeclares) {
    return {
      side: 'caller',
      field: 'networkPolicy.allowEgressTo',
      message: `${b.name} accepts calls from ${a.namespace} (networkPolicy.allowIngressFrom), but ${a.name} does not list ${b.namespace} in networkPolicy.allowEgressTo, so ${a.name} cannot call ${b.name}.`,
      fix: `If ${a.name} should call ${b.name}, add ${b.namespace} to networkPolicy.allowEgressTo in ${a.file}; otherwise remove ${a.namespace} from networkPolicy.allowIngressFrom in ${b.file}.`,
    };
  }
  return undefined;
}
