// Whether an event asks for a run, and of how many nodes: a pure reading of the event payload. Who is asking
// is checked separately (permission.ts), against the collaborator permission API.
import { parseCommand } from './commands.js';

export interface TriggerSettings {
  label: string;
  command: string;
  /** Nodes when the event does not say. */
  instances: number;
  maxInstances: number;
  /** issue-number input, for workflow_dispatch. */
  issueNumber: number | undefined;
}

export type StartRequest =
  | {
      start: true;
      issueNumber: number;
      instances: number;
      sender: { login: string; type: string };
      /** The comment that asked, to acknowledge with a reaction. */
      commentId?: number;
    }
  | {
      start: false;
      reason: string;
      /** A person's `/p2p-dev stop`: the trigger job relays it to the run in progress (relay-stop.ts). */
      stop?: StopAsked;
      /** A person's `/p2p-dev approve …` or `changes …`: relayed to the run in progress (relay-review.ts). */
      review?: ReviewAsked;
    };

/** Who gave which verdict on which task (none named: every task awaiting review), in which comment. */
export interface ReviewAsked extends StopAsked {
  verdict: 'approved' | 'changes';
  task?: string;
  comments: string;
}

/** Who asked to stop the run on which issue, in which comment. */
export interface StopAsked {
  issueNumber: number;
  commentId: number;
  login: string;
  id: number;
  htmlUrl?: string;
}

interface User {
  login?: unknown;
  type?: unknown;
}

function user(value: unknown): { login: string; type: string } | undefined {
  const u = value as User | undefined;
  return u && typeof u.login === 'string'
    ? { login: u.login, type: typeof u.type === 'string' ? u.type : 'User' }
    : undefined;
}

/** The number of nodes: the request, or the default, never more than max-instances nor 256. */
export function boundInstances(requested: number | undefined, settings: TriggerSettings): number {
  const n = requested ?? settings.instances;
  return Math.max(1, Math.min(n, settings.maxInstances, 256));
}

export function matrixOf(instances: number): number[] {
  return Array.from({ length: instances }, (_, i) => i + 1);
}

/** The person who wrote the event's comment on an issue, when it is a person's comment on an issue. */
function personAsking(
  payload: Record<string, unknown>,
  author: { login: string; type: string } | undefined,
  issueNumber: number | undefined,
): StopAsked | undefined {
  const comment = payload.comment as
    { id?: unknown; html_url?: unknown; user?: { id?: unknown } } | undefined;
  const id = comment?.user?.id;
  if (
    !author ||
    author.type === 'Bot' ||
    author.login.endsWith('[bot]') ||
    issueNumber === undefined ||
    typeof comment?.id !== 'number' ||
    typeof id !== 'number'
  )
    return undefined;
  return {
    issueNumber,
    commentId: comment.id,
    login: author.login,
    id,
    ...(typeof comment.html_url === 'string' ? { htmlUrl: comment.html_url } : {}),
  };
}

export function decideStart(
  eventName: string,
  payload: Record<string, unknown>,
  settings: TriggerSettings,
): StartRequest {
  const sender = user(payload.sender);
  const issue = payload.issue as { number?: unknown; pull_request?: unknown } | undefined;
  const issueNumber = typeof issue?.number === 'number' ? issue.number : undefined;

  if (eventName === 'issues') {
    const label = (payload.label as { name?: unknown } | undefined)?.name;
    if (payload.action !== 'labeled')
      return { start: false, reason: `issues event "${String(payload.action)}" is not a labeling` };
    if (label !== settings.label)
      return { start: false, reason: `label "${String(label)}" is not "${settings.label}"` };
    if (!sender || issueNumber === undefined)
      return { start: false, reason: 'the event has no sender or issue' };
    if (sender.type === 'Bot')
      return { start: false, reason: `the label was added by a bot (${sender.login})` };
    return { start: true, issueNumber, instances: boundInstances(undefined, settings), sender };
  }

  if (eventName === 'issue_comment') {
    const comment = payload.comment as { id?: unknown; body?: unknown; user?: unknown } | undefined;
    const author = user(comment?.user) ?? sender;
    const body = typeof comment?.body === 'string' ? comment.body.trim() : '';
    if (payload.action !== 'created')
      return { start: false, reason: `comment event "${String(payload.action)}" is not a new comment` };
    const command = parseCommand(body, settings.command);
    if (!command) return { start: false, reason: `the comment does not start with ${settings.command}` };
    if (command.kind === 'stop') {
      const stop = personAsking(payload, author, issueNumber);
      return { start: false, reason: 'the comment asks to stop the run', ...(stop ? { stop } : {}) };
    }
    if (command.kind === 'review') {
      const asking = personAsking(payload, author, issueNumber);
      const { kind: _kind, ...verdict } = command;
      const review = asking ? { ...asking, ...verdict } : undefined;
      return { start: false, reason: 'the comment gives a verdict on a task', ...(review ? { review } : {}) };
    }
    if (!author || issueNumber === undefined)
      return { start: false, reason: 'the event has no author or issue' };
    if (author.type === 'Bot' || author.login.endsWith('[bot]')) {
      return { start: false, reason: `comments by bots (${author.login}) never start a run` };
    }
    if (issue?.pull_request)
      return { start: false, reason: `#${issueNumber} is a pull request, not an issue` };
    const requested = /(?:^|\s)instances=(\d+)(?:\s|$)/.exec(command.args ?? '')?.[1];
    return {
      start: true,
      issueNumber,
      instances: boundInstances(requested ? Number(requested) : undefined, settings),
      sender: author,
      ...(typeof comment?.id === 'number' ? { commentId: comment.id } : {}),
    };
  }

  if (eventName === 'workflow_dispatch') {
    const inputs = (payload.inputs ?? {}) as Record<string, unknown>;
    const number = settings.issueNumber ?? Number(inputs['issue-number'] ?? NaN);
    if (!Number.isInteger(number) || number < 1)
      return { start: false, reason: 'workflow_dispatch needs the input issue-number' };
    if (!sender) return { start: false, reason: 'the event has no sender' };
    const requested = Number(inputs.instances);
    return {
      start: true,
      issueNumber: number,
      instances: boundInstances(
        Number.isInteger(requested) && requested > 0 ? requested : undefined,
        settings,
      ),
      sender,
    };
  }

  return { start: false, reason: `the event ${eventName || '(none)'} does not start a run` };
}
