/** The questions, in plain English, with arrow keys and defaults (@inquirer/prompts). */
import { confirm, input, select } from '@inquirer/prompts';
import { platformSettings } from '../contract/platform-settings.js';
import { parseQuantity } from '../contract/quantity.js';
import { appListProblem, keyListProblem, nameProblem, parseAppList, parseKeyList, portProblem, type Answers, type Size } from './answers.js';

/** "up to 0.25 CPU and 256 MiB": a size tier's limits, from the platform settings. */
function sizeLimits(size: Size): string {
  const { cpu, memory } = platformSettings().sizes[size]!.limits;
  const bytes = parseQuantity(memory)!;
  const mem = bytes >= 2 ** 30 ? `${bytes / 2 ** 30} GiB` : `${bytes / 2 ** 20} MiB`;
  return `up to ${parseQuantity(cpu)} CPU and ${mem}`;
}

/** Which answers came from flags: those questions are not asked again. */
export type Given = Partial<Record<keyof Answers, boolean>>;

const orNone = (xs: string[]): string => xs.join(', ');

export async function interview(start: Answers, given: Given): Promise<Answers> {
  const a = { ...start };
  if (!given.name) {
    a.name = await input({
      message: 'What is your app called?',
      default: a.name,
      validate: (v) => {
        const p = nameProblem(v.trim());
        return p ? `${p} Choose another name (for example: feedback-bot).` : true;
      },
    });
    a.name = a.name.trim();
    if (!given.image) a.image = a.image.replace(/[^/]+$/, a.name);
  }
  if (!given.port) {
    const web = await confirm({
      message: 'Does your app answer web requests? (a page, an API, a webhook; no for a worker or a script that only calls other apps or handles events)',
      default: a.port !== 'none',
    });
    if (web) {
      const p = await input({
        message: 'Which port does it listen on?',
        default: String(a.port === 'none' ? 8080 : a.port),
        validate: (v) => portProblem(Number(v.trim())) ?? true,
      });
      a.port = Number(p.trim());
    } else {
      a.port = 'none';
      delete a.healthPath;
      a.callers = [];
    }
  }
  if (!given.state) {
    a.state = await confirm({ message: 'Does your app need to remember things between restarts?', default: a.state });
  }
  if (!given.secrets) {
    a.secrets = await confirm({ message: 'Does it use API keys or passwords?', default: a.secrets });
  }
  if (a.secrets && !given.secretKeys) {
    const keys = await input({
      message: 'What are they called? (comma-separated, e.g. openai-api-key; leave empty if unsure)',
      default: orNone(a.secretKeys),
      validate: (v) => keyListProblem(parseKeyList(v)) ?? true,
    });
    a.secretKeys = parseKeyList(keys);
  }
  if (!given.callers && a.port !== 'none') {
    const v = await input({
      message: 'Which other apps should be able to call it? (app names, comma-separated; empty for none)',
      default: orNone(a.callers),
      validate: (x) => appListProblem(parseAppList(x)) ?? true,
    });
    a.callers = parseAppList(v);
  }
  if (!given.calls) {
    const v = await input({
      message: 'Which apps does it call? (app names, comma-separated; empty for none)',
      default: orNone(a.calls),
      validate: (x) => appListProblem(parseAppList(x)) ?? true,
    });
    a.calls = parseAppList(v);
  }
  if (!given.size) {
    a.size = await select<Size>({
      message: 'How big is it?',
      default: a.size,
      choices: [
        { name: 'small', value: 'small', description: `${sizeLimits('small')}: most web apps and bots` },
        { name: 'medium', value: 'medium', description: `${sizeLimits('medium')}: heavier pages, small data processing` },
        { name: 'large', value: 'large', description: `${sizeLimits('large')}: models or large files in memory` },
      ],
    });
  }
  if (!given.owner) {
    a.owner = (
      await input({
        message: 'Who owns it? (a team or an e-mail address; optional)',
        default: a.owner,
        validate: (v) => /^([A-Za-z0-9][A-Za-z0-9._@+ -]*)?$/.test(v.trim()) || 'Use letters, digits, spaces and . _ @ + -',
      })
    ).trim();
  }
  if (!given.tag) {
    a.tag = (await input({ message: 'Which version of its image should run?', default: a.tag, validate: (v) => validTag(v.trim()) ?? true })).trim();
  }
  return a;
}

export function validTag(tag: string): string | undefined {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(tag)) return 'Use a version such as 1.0.0 (letters, digits, ".", "_" and "-").';
  if (/^(latest|stable|main|master|dev|develop|edge|nightly|head|current|release|prod|production|staging|test)$/i.test(tag))
    return `"${tag}" moves over time; use a fixed version such as 1.0.0.`;
  return undefined;
}
