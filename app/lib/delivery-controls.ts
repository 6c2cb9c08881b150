/** Which step controls apply right now, read from the delivery and its gate (pure, for the buttons). */
import type { DeliverySummary, GateState } from '../../core/protocol/delivery';

export interface ControlStates {
  next: boolean;
  play: boolean;
  pause: boolean;
  run: boolean;
  abort: boolean;
  /** What the delivery is doing, in a few words. */
  status: string;
}

export function controlStates(summary: DeliverySummary, gate: GateState | null, finished: boolean): ControlStates {
  if (finished) return { next: false, play: false, pause: false, run: false, abort: false, status: 'finished' };
  if (summary.mode === 'instant') {
    return { next: false, play: false, pause: false, run: false, abort: true, status: 'sending at once' };
  }
  const held = gate?.held ?? null;
  const playing = gate?.playing ?? false;
  return {
    // While playing the gate moves by itself; Next waits for Pause so two clocks never race.
    next: held !== null && !playing,
    play: !playing,
    pause: playing,
    run: true,
    abort: true,
    status: playing
      ? 'playing'
      : held
        ? 'waiting for Next'
        : 'waiting for the server (nothing to release yet)',
  };
}

/** True when a key press belongs to a text field, where N is a letter and not "Next". */
export function typingInto(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}
