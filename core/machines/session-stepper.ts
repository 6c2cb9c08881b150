/**
 * The session machine, stepped without an actor. The bridge follows every line of every
 * conversation (an app pumping mail in sends thousands a second), and an XState actor costs
 * ~6 µs per event in snapshots and bookkeeping that a flat machine with only `assign` actions
 * does not need. This reads the machine's own config (states, transitions in order, guards with
 * their params, targets, actions) and runs the same guard and assignment functions the XState
 * setup wraps, so the two cannot disagree; a test replays thousands of conversations through
 * both. The app keeps the XState actor.
 *
 * It refuses a config it could not step exactly: nested or parallel states, entry or exit
 * actions, eventless or delayed transitions, wildcard events, or names it does not know.
 */
import { sessionMachine } from './session-machine';
import { SESSION_ASSIGNMENTS, SESSION_GUARDS } from './session-setup';
import { initialContext, type AnswersParams, type SessionContext, type SessionEvent, type SessionStateName } from './session-model';

type GuardName = keyof typeof SESSION_GUARDS;
type AssignmentName = keyof typeof SESSION_ASSIGNMENTS;

interface Step {
  guard: GuardName | null;
  params: AnswersParams;
  target: SessionStateName | null;
  actions: AssignmentName[];
}

interface StateSteps {
  final: boolean;
  on: Map<string, Step[]>;
}

const NO_PARAMS: AnswersParams = { verb: '', codes: '' };
const UNSUPPORTED_STATE_KEYS = ['states', 'entry', 'exit', 'always', 'after', 'invoke'];

function isGuard(name: string): name is GuardName {
  return Object.hasOwn(SESSION_GUARDS, name);
}

function isAssignment(name: string): name is AssignmentName {
  return Object.hasOwn(SESSION_ASSIGNMENTS, name);
}

function readStep(where: string, raw: unknown, states: Record<string, unknown>): Step {
  const config = (typeof raw === 'string' ? { target: raw } : raw) as { guard?: unknown; target?: unknown; actions?: unknown };
  let guard: GuardName | null = null;
  let params = NO_PARAMS;
  if (typeof config.guard === 'string' || (config.guard && typeof config.guard === 'object')) {
    const spec = typeof config.guard === 'string' ? { type: config.guard } : (config.guard as { type?: unknown; params?: unknown });
    if (typeof spec.type !== 'string' || !isGuard(spec.type)) throw new Error(`${where}: guard ${JSON.stringify(spec.type)} cannot be stepped`);
    guard = spec.type;
    if (spec.params !== undefined) params = spec.params as AnswersParams;
  } else if (config.guard !== undefined) {
    throw new Error(`${where}: a guard that is not named cannot be stepped`);
  }
  const target = config.target;
  if (target !== undefined && (typeof target !== 'string' || !Object.hasOwn(states, target))) {
    throw new Error(`${where}: target ${JSON.stringify(target)} is not a sibling state`);
  }
  const actionList = config.actions === undefined ? [] : Array.isArray(config.actions) ? config.actions : [config.actions];
  const actions = actionList.map((action) => {
    if (typeof action !== 'string' || !isAssignment(action)) throw new Error(`${where}: action ${JSON.stringify(action)} cannot be stepped`);
    return action;
  });
  return { guard, params, target: (target as SessionStateName | undefined) ?? null, actions };
}

/** A machine config read into steps; throws if the config uses anything the stepper cannot follow. */
export function compileSteps(machineConfig: unknown): { initial: SessionStateName; states: Map<string, StateSteps> } {
  const config = machineConfig as { initial: string; on?: unknown; states: Record<string, Record<string, unknown>> };
  if (config.on) throw new Error('session stepper: transitions on the root cannot be stepped');
  const states = new Map<string, StateSteps>();
  for (const [name, state] of Object.entries(config.states)) {
    for (const key of UNSUPPORTED_STATE_KEYS) {
      if (state[key] !== undefined) throw new Error(`session stepper: state ${name} has "${key}", which it cannot step`);
    }
    if (state.type !== undefined && state.type !== 'final') throw new Error(`session stepper: state ${name} is of type ${String(state.type)}`);
    const on = new Map<string, Step[]>();
    for (const [type, raw] of Object.entries((state.on ?? {}) as Record<string, unknown>)) {
      if (type.includes('*')) throw new Error(`session stepper: wildcard event ${type} in ${name}`);
      on.set(type, (Array.isArray(raw) ? raw : [raw]).map((each, index) => readStep(`${name} on ${type} #${index}`, each, config.states)));
    }
    states.set(name, { final: state.type === 'final', on });
  }
  if (!states.has(config.initial)) throw new Error(`session stepper: initial state ${config.initial} is missing`);
  return { initial: config.initial as SessionStateName, states };
}

const COMPILED = compileSteps(sessionMachine.config);

export class SessionStepper {
  #state: SessionStateName = COMPILED.initial;
  #context: SessionContext = initialContext();

  get state(): SessionStateName {
    return this.#state;
  }

  get context(): SessionContext {
    return this.#context;
  }

  /** False once a final state is reached; it takes no more events then, as an actor does not. */
  get active(): boolean {
    return !COMPILED.states.get(this.#state)?.final;
  }

  send(event: SessionEvent): void {
    const state = COMPILED.states.get(this.#state);
    if (!state || state.final) return;
    const steps = state.on.get(event.type);
    if (!steps) return;
    const context = this.#context;
    for (const step of steps) {
      if (step.guard !== null && !SESSION_GUARDS[step.guard](context, event, step.params)) continue;
      let next = context;
      // As XState's assign: each action sees the context the previous one left.
      for (const action of step.actions) next = { ...next, ...SESSION_ASSIGNMENTS[action](next, event) };
      this.#context = next;
      if (step.target !== null) this.#state = step.target;
      return;
    }
  }
}
