/**
 * Plays a lesson's actions (its reference solution, or a wrong attempt) against a real lab, the way
 * a learner would, and gathers the evidence the goals are checked against: every conversation
 * (relay hops included) and every message, as accepted and as delivered into a mailbox.
 */
import { END_OF_DATA } from '../../core/machines/session-model';
import { SessionTracker } from '../../core/machines/session-tracker';
import { buildEvidence, type Evidence, type SelectedLine } from '../../core/lessons/evidence';
import type { Lesson, LessonAction } from '../../core/lessons/lesson-schema';
import { checkLesson, type LessonProgress } from '../../core/lessons/check-goals';
import { lessonForDomain } from '../../core/lessons/lesson-domain';
import type { Scenario } from '../../core/lessons/scenario-schema';
import type { DeliverySummary } from '../../core/protocol/delivery';
import type { WireEvent } from '../../core/wire';
import type { Lab, TerminalSession } from '../lab/lab-types';
import { SEAT_HOST } from '../../core/world/seat-world';
import { sendFromOutside } from './outside-client';
import { editZone } from './zone-action';

type LessonSend = Extract<LessonAction, { send: unknown }>['send'];

const REPLY_TIMEOUT_MS = 5_000;
/** A compose delivery into the lab is quick; this only stops a broken one from hanging the test. */
const SEND_TIMEOUT_MS = 15_000;

/**
 * Play one attempt of a lesson (`actionsOf` picks the solution or a wrong attempt) as the player
 * does in `lab`: the lesson filled for the lab's own learner domain, opened in its scenario, and
 * its goals, notes and remarks checked against what happened.
 */
export async function replayLesson(lab: Lab, lesson: Lesson, actionsOf: (lesson: Lesson) => readonly LessonAction[]): Promise<LessonProgress & { evidence: Evidence }> {
  const filled = lessonForDomain(lesson, lab.learnerDomain.domain);
  const evidence = await replayActions(lab, actionsOf(filled), filled.scenario);
  return { ...checkLesson(filled, evidence), evidence };
}

/** `scenario`: the lesson's, applied to the lab before the first action, as the player does when the lesson opens. */
export async function replayActions(lab: Lab, actions: readonly LessonAction[], scenario?: Scenario): Promise<Evidence> {
  const trackers = new Map<string, SessionTracker>();
  const onWire = (event: WireEvent) => {
    let tracker = trackers.get(event.conversation);
    if (!tracker) trackers.set(event.conversation, (tracker = new SessionTracker()));
    tracker.push(event);
  };
  lab.on('wire', onWire);
  if (scenario) lab.applyScenario(scenario);
  let terminal: TerminalSession | null = null;
  // What the learner selects and answers, by goal: the latest of each counts, as in the player.
  const selections: Record<string, SelectedLine> = {};
  const answers: Record<string, string> = {};
  const origins = (id: string) => lab.getConversation(id)?.origin;
  // Fast-forwards whose retries reach the learner's server: they run on while the learner answers them.
  const moving: Array<Promise<unknown>> = [];
  try {
    for (const [index, action] of actions.entries()) {
      if ('connect' in action) {
        terminal = await lab.openTerminal(action.connect);
        await settle(trackers, terminal.conversation.id, 0);
      } else if ('type' in action || 'pipeline' in action) {
        if (!terminal) throw new Error('typing needs a "connect" before it');
        if (terminal.closed) break;
        const id = terminal.conversation.id;
        const lines = 'type' in action ? [action.type] : action.pipeline;
        const sentBefore = clientLines(trackers, id);
        terminal.sendMany(lines);
        await settle(trackers, id, sentBefore + lines.length);
      } else if ('send' in action) {
        await send(lab, action.send.compose, action.send.connection);
      } else if ('external' in action) {
        await sendFromOutside(lab, action.external.message, action.external.login);
      } else if ('advance' in action) {
        const advanced = lab.advanceClock(action.advance);
        // A retry due now may be a hop to the learner's server: it is over only once the learner has
        // answered it, and those answers are the next actions. Awaiting it here would wait for ever.
        const next = actions[index + 1];
        if (next && 'reply' in next) moving.push(advanced.catch((error: unknown) => error));
        else await advanced;
      } else if ('settle' in action) {
        await lab.worldSettled();
      } else if ('zone' in action) {
        await editZone(lab.learnerDomain, action.zone);
      } else if ('serve' in action) {
        await lab.seat.start(action.serve.client, action.serve.message);
      } else if ('reply' in action) {
        const id = await waitingAtSeat(lab, trackers);
        const lines = typeof action.reply === 'string' ? [action.reply] : action.reply;
        const before = linesFrom(trackers, id, 'server');
        lab.seat.reply(id, lines);
        await until(() => linesFrom(trackers, id, 'server') >= before + lines.length || trackers.get(id)?.state === 'closed' || null, 'the reply on the wire');
      } else if ('select' in action) {
        const { goal, line, origin } = action.select;
        const found = lastLine(trackers, new RegExp(line, 'm'), (id) => !origin || origins(id) === origin);
        if (!found) throw new Error(`select for "${goal}": no line like /${line}/ to select`);
        selections[goal] = { conversation: found.conversation, line: found.line };
      } else if ('answer' in action) {
        const { goal } = action.answer;
        if ('value' in action.answer) answers[goal] = action.answer.value;
        else {
          const pattern = new RegExp(action.answer.from, 'm');
          const { origin } = action.answer;
          const found = lastLine(trackers, pattern, (id) => !origin || origins(id) === origin);
          const value = found && pattern.exec(found.text)?.[1];
          if (!value) throw new Error(`answer for "${goal}": no line holds a value like /${action.answer.from}/`);
          answers[goal] = value;
        }
      } else {
        const never: never = action;
        throw new Error(`unknown lesson action ${JSON.stringify(never)}`);
      }
    }
    for (const outcome of await Promise.all(moving)) if (outcome instanceof Error) throw outcome;
    // What the mail world still does with the messages (relay, delivery, a bounce) is evidence too.
    await lab.worldSettled();
  } finally {
    lab.off('wire', onWire);
    terminal?.close();
  }
  const conversations = [...trackers].map(([id, tracker]) => {
    const summary = lab.getConversation(id);
    return { id, origin: summary?.origin, startedAt: summary?.startedAt ?? 0, lines: tracker.lines };
  });
  const messages = lab.listMessages().map((message) => ({ ...message, raw: lab.getRawMessage(message.id)?.toString('utf8') ?? '' }));
  return buildEvidence({ conversations, messages, worldEvents: lab.worldEvents() }, undefined, { selections, answers });
}

/** The last line (of the conversations `counts` lets in, latest first) whose text matches, as a learner would find it. */
function lastLine(trackers: Map<string, SessionTracker>, pattern: RegExp, counts: (id: string) => boolean) {
  for (const [conversation, tracker] of [...trackers].reverse()) {
    if (!counts(conversation)) continue;
    for (let line = tracker.lines.length - 1; line >= 0; line -= 1) {
      const text = tracker.lines[line]?.event.text ?? '';
      if (pattern.test(text)) return { conversation, line, text };
    }
  }
  return null;
}

/** Send from Compose at once (no stepping) and wait until the delivery has ended. */
async function send(lab: Lab, compose: LessonSend['compose'], connection: LessonSend['connection']): Promise<void> {
  const finished = new Map<string, DeliverySummary>();
  let wake: () => void = () => {};
  const onFinished = (delivery: DeliverySummary) => {
    finished.set(delivery.id, delivery);
    wake();
  };
  lab.on('delivery.finished', onFinished);
  try {
    const started = await lab.send(compose, connection, 'instant');
    const deadline = Date.now() + SEND_TIMEOUT_MS;
    while (!finished.has(started.id)) {
      if (Date.now() > deadline) throw new Error(`delivery ${started.id} did not finish within ${SEND_TIMEOUT_MS} ms`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  } finally {
    lab.off('delivery.finished', onFinished);
  }
}

function clientLines(trackers: Map<string, SessionTracker>, id: string): number {
  return linesFrom(trackers, id, 'client');
}

function linesFrom(trackers: Map<string, SessionTracker>, id: string, dir: 'client' | 'server'): number {
  return trackers.get(id)?.lines.filter((line) => line.event.dir === dir).length ?? 0;
}

/** Polls `probe` until it gives something, as a learner watches the screen. */
async function until<T>(probe: () => T | null, what: string): Promise<T> {
  const deadline = Date.now() + REPLY_TIMEOUT_MS;
  for (;;) {
    const found = probe();
    if (found !== null && found !== false) return found;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${REPLY_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * The newest conversation with the learner's server once its client waits for an answer, as a
 * learner at the seat sees it: a command (or the connection, for the greeting) is unanswered. After
 * the answer to the first command of a pipelined batch, the rest of the batch still is.
 */
function waitingAtSeat(lab: Lab, trackers: Map<string, SessionTracker>): Promise<string> {
  return until(() => {
    const ids = [...trackers.keys()].filter((id) => {
      const summary = lab.getConversation(id);
      return summary?.origin === 'seat' || (summary?.origin === 'relay' && summary.peer.endsWith(`→ ${SEAT_HOST}`));
    });
    const id = ids.at(-1);
    const tracker = id === undefined ? undefined : trackers.get(id);
    if (!id || !tracker || tracker.state === 'closed' || tracker.context.pending.length === 0) return null;
    return id;
  }, 'client waiting at your server');
}

/**
 * Waits, as a learner would, until the line typed is on the wire (`clientLinesSent` of them) and
 * every command sent has its reply (or the server reads message text) — or the session is over.
 * 0 waits for the greeting.
 */
async function settle(trackers: Map<string, SessionTracker>, id: string, clientLinesSent: number): Promise<void> {
  const deadline = Date.now() + REPLY_TIMEOUT_MS;
  for (;;) {
    const tracker = trackers.get(id);
    if (tracker) {
      const onWire = clientLines(trackers, id) >= clientLinesSent && tracker.state !== 'connecting';
      // Message text gets no reply until its end: a line pipelined after DATA, which the server
      // reads as text, is never answered either. The end of data is: a host that checks the
      // message before it answers (SPF, DKIM, DMARC) is waited for like any other reply.
      const readingText = tracker.state === 'data' && !tracker.context.pending.some((pending) => pending.verb === END_OF_DATA);
      // Nor does a BDAT until every octet it announced has arrived (RFC 3030 §2).
      const readingChunk = tracker.context.bdatRemaining > 0;
      if (tracker.state === 'closed' || (onWire && (tracker.context.pending.length === 0 || readingText || readingChunk))) return;
    }
    if (Date.now() > deadline) throw new Error(`no reply within ${REPLY_TIMEOUT_MS} ms (state ${tracker?.state ?? 'none'})`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
