/**
 * Goals that can no longer be met as things stand, and why — read from the goals themselves, so
 * that a learner is never left waiting in silence for a tick that cannot come:
 * - the conversation is over (closed) with goals still unmet: nothing more can happen in it;
 * - a goal wants several things in ONE conversation, and part of it happened in one that is over
 *   (lesson 3's 503 in an earlier session than the accepted message);
 * - mail arrived, but not the mail a goal looks for (lesson 2's message went to bob, not alice);
 * - mail arrived that a goal says must never arrive: only starting the lesson over helps.
 */
import { holds, messageMatches } from './evaluate';
import { scoped } from './learner-goals';
import type { Evidence, LessonConversation } from './evidence';
import { describePredicate, messageWords } from './describe-predicate';
import type { Lesson } from './lesson-schema';
import type { MessageMatch, Predicate } from './predicates';

export type DeadEndKind = 'closed' | 'split' | 'wrong-message' | 'unwanted-message';

export interface DeadEnd {
  kind: DeadEndKind;
  /** The goals it blocks (ids), with their checklist text. */
  goals: Array<{ step: string; goal: string; text: string }>;
  /** Why they cannot be met any more, in plain words. */
  why: string;
  /** What is still missing, one phrase per thing. */
  missing: string[];
  /** How to start over. */
  restart: string;
}

const RESTART_LESSON = 'restart the lesson to begin again from its first step';

/** Predicates read from the lines of one conversation (rather than from mailboxes or the world). */
function inConversation(predicate: Predicate): boolean {
  if ('message' in predicate || 'noMessage' in predicate || 'world' in predicate || 'not' in predicate) return false;
  if ('mine' in predicate) return inConversation(predicate.mine);
  if ('all' in predicate) return predicate.all.some(inConversation);
  if ('any' in predicate) return predicate.any.some(inConversation);
  if ('sequence' in predicate) return predicate.sequence.some(inConversation);
  return true;
}

/** The parts that must all happen in the same conversation. */
function sameConversationParts(predicate: Predicate): Predicate[] {
  if ('mine' in predicate) return sameConversationParts(predicate.mine);
  const parts = 'all' in predicate ? predicate.all : 'sequence' in predicate ? predicate.sequence : [predicate];
  // Every conversation ends closed: that part can always happen again, it is never what is missing.
  return parts.filter((part) => inConversation(part) && !('state' in part && part.state === 'closed'));
}

/** The message a goal looks for, when it looks for one. */
function wantedMessage(predicate: Predicate): MessageMatch | null {
  if ('message' in predicate) return predicate.message;
  if ('all' in predicate) return predicate.all.map(wantedMessage).find((match) => match !== null) ?? null;
  return null;
}

/** Mail the lab queued that has not been dealt with yet (a relay to come, a retry due). */
function queueBusy(evidence: Evidence): boolean {
  const events = evidence.worldEvents ?? [];
  const done = new Set(events.flatMap((event) => (event.type === 'done' ? [event.queueId] : [])));
  return events.some((event) => event.type === 'queued' && !done.has(event.queueId));
}

const isOver = (conversation: LessonConversation) => conversation.lines.at(-1)?.state === 'closed';
const isLearners = (conversation: LessonConversation) => conversation.origin !== 'relay';
const only = (evidence: Evidence, conversation: LessonConversation): Evidence => ({ ...evidence, conversations: [conversation] });

/**
 * How the mail that did arrive differs from the mail the goal wants. Mail another goal of the lesson
 * asks for is no miss (lesson 4 sends to alice first, then to carol); a copy the lab's own server
 * accepted is not compared with a goal about a mailbox (its delivered copy will be).
 */
function whatArrived(match: MessageMatch, evidence: Evidence, wanted: MessageMatch[]): string | null {
  const candidates = evidence.messages.filter(
    (message) => (!match.mailbox || message.mailbox) && !wanted.some((other) => messageMatches(message, other)),
  );
  if (candidates.length === 0) return null;
  const seen = (values: string[]) => [...new Set(values)].join(', ');
  if (match.mailbox) {
    // The right mailbox, but not the message the goal describes (lesson 10's copy sent in the clear).
    if (candidates.some((m) => m.mailbox === match.mailbox)) return `Mail was delivered into ${match.mailbox}'s mailbox, but it is not ${messageWords(match)}.`;
    return `Mail was delivered into ${seen(candidates.map((m) => `${m.mailbox}'s mailbox`))}, not ${match.mailbox}'s.`;
  }
  if (match.to) return `Mail arrived for ${seen(candidates.flatMap((m) => [...m.envelopeTo]))}, not for ${match.to}.`;
  if (match.from !== undefined) return `Mail arrived from ${seen(candidates.map((m) => m.envelopeFrom || '<>'))}, not from ${match.from || '<>'}.`;
  return `Mail arrived, but none of it is ${messageWords(match)}.`;
}

/**
 * `reached` is the index of the step the learner is on: a closed conversation does not block a step
 * still ahead, whose own text asks for a new conversation (lesson 1's "your turn" after its QUIT).
 */
export function findDeadEnds(lesson: Lesson, evidence: Evidence, reached = lesson.steps.length - 1): DeadEnd[] {
  const found: DeadEnd[] = [];
  const closedGoals: DeadEnd['goals'] = [];
  const mine = evidence.conversations.filter(isLearners);
  // A relay hop still running, or mail still in the queue (a retry due later), may yet meet a goal:
  // only when everything is over is it over.
  const allOver = mine.length > 0 && evidence.conversations.every(isOver) && !queueBusy(evidence);
  const wanted = lesson.steps.flatMap((step) => step.goals.map((goal) => ('check' in goal ? wantedMessage(goal.check) : null))).filter((m) => m !== null);

  for (const [index, step] of lesson.steps.entries()) {
    for (const goal of step.goals) {
      // Evidence and question goals wait for the learner, never for the conversation.
      if (!('check' in goal) || holds(goal.check, scoped(evidence, goal.scope))) continue;
      const ids = { step: step.id, goal: goal.id, text: goal.text };
      const check = goal.check;

      if ('noMessage' in check) {
        found.push({
          kind: 'unwanted-message',
          goals: [ids],
          why: `This goal wants ${describePredicate(check)}, but one arrived.`,
          missing: [describePredicate(check)],
          restart: `Mail that arrived stays: ${RESTART_LESSON}, and only what happens after that counts.`,
        });
        continue;
      }

      const message = wantedMessage(check);
      const arrived = message && whatArrived(message, evidence, wanted);
      if (message && arrived) {
        found.push({
          kind: 'wrong-message',
          goals: [ids],
          why: arrived,
          missing: [messageWords(message)],
          restart: 'Send the message again so that it fits: in an open conversation a new MAIL FROM starts another transaction, or press Connect for a new one.',
        });
        continue;
      }

      if (!inConversation(check)) continue;
      const split = splitAcross(check, evidence, mine, allOver);
      if (split) found.push({ ...split, goals: [ids] });
      else if (allOver && index <= reached) closedGoals.push(ids);
    }
  }

  if (closedGoals.length > 0) {
    found.unshift({
      kind: 'closed',
      goals: closedGoals,
      why: 'The conversation is closed: nothing more can happen in it, and these goals are still unmet.',
      missing: closedGoals.map((goal) => goal.text),
      restart: `Press Connect for a new conversation and do it there, or ${RESTART_LESSON}.`,
    });
  }
  return found;
}

/**
 * A goal that wants several things in one conversation, some of which happened in another one that
 * is over (or, with every conversation over, each in a different one).
 */
function splitAcross(check: Predicate, evidence: Evidence, mine: LessonConversation[], allOver: boolean): Omit<DeadEnd, 'goals'> | null {
  const parts = sameConversationParts(check);
  if (parts.length < 2) return null;
  const heldIn = (part: Predicate) => mine.filter((conversation) => holds(part, only(evidence, conversation)));
  const hasOpen = mine.some((conversation) => !isOver(conversation));
  const elsewhere = hasOpen ? parts.filter((part) => heldIn(part).length > 0 && heldIn(part).every(isOver)) : [];
  const scattered = allOver && parts.every((part) => heldIn(part).length > 0);
  if (elsewhere.length === 0 && !scattered) return null;
  const order = 'sequence' in check || ('mine' in check && 'sequence' in check.mine) ? ', in this order,' : '';
  const all = parts.map(describePredicate).join(' and ');
  if (elsewhere.length > 0) {
    return {
      kind: 'split',
      why: `This goal needs ${all}${order} in the same conversation. ${capitalise(elsewhere.map(describePredicate).join(' and '))} happened in an earlier conversation, which is over.`,
      missing: elsewhere.map((part) => `${describePredicate(part)} in the conversation that is open now`),
      restart: 'Do it again in the open conversation, or press Connect for a new one and do it all there.',
    };
  }
  return {
    kind: 'split',
    why: `This goal needs ${all}${order} in the same conversation, and no conversation had them all. Every conversation is over now.`,
    missing: [`${all}${order} in one conversation`],
    restart: 'Press Connect for a new conversation and do it all there.',
  };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
