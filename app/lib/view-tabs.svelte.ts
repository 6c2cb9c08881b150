/**
 * Which panel each place of the conversation view shows. Three places, two choices each: the
 * left top (Terminal | Compose), the left bottom (Transcript | Ladder), the right top (Session |
 * Journey). A delivery shows its natural set: step controls, ladder and journey, all on one screen.
 */
export type TopTab = 'terminal' | 'compose';
export type BottomTab = 'transcript' | 'ladder';
export type ModelTab = 'session' | 'journey';

export const TOP_TABS = [
  { id: 'terminal', label: 'Terminal', testid: 'terminal-tab' },
  { id: 'compose', label: 'Compose', testid: 'compose-tab' },
] as const satisfies ReadonlyArray<{ id: TopTab; label: string; testid: string }>;
export const BOTTOM_TABS = [
  { id: 'transcript', label: 'Transcript', testid: 'transcript-tab' },
  { id: 'ladder', label: 'Ladder', testid: 'ladder-tab' },
] as const satisfies ReadonlyArray<{ id: BottomTab; label: string; testid: string }>;
export const MODEL_TABS = [
  { id: 'session', label: 'Session statechart', testid: 'session-tab' },
  { id: 'journey', label: 'Journey', testid: 'journey-tab' },
] as const satisfies ReadonlyArray<{ id: ModelTab; label: string; testid: string }>;

export class ViewTabs {
  top = $state<TopTab>('terminal');
  bottom = $state<BottomTab>('transcript');
  model = $state<ModelTab>('session');
  /** True while the Compose panel shows its form rather than the selected delivery's controls. */
  editing = $state(true);
  /**
   * The statechart or journey takes the whole right column, the explanation set aside: on a laptop
   * screen the journey's nine steps beside a long hop map are otherwise drawn too small to read.
   */
  modelEnlarged = $state(false);

  /** A delivery this page started, or one the learner selected. */
  showDelivery(): void {
    this.top = 'compose';
    this.bottom = 'ladder';
    this.model = 'journey';
    this.editing = false;
  }

  /**
   * A terminal's natural set: what was typed, line by line, and the session machine it drives. A
   * journey drawn for a typed session read a 503 to an early MAIL as "the email was refused".
   */
  showTerminal(): void {
    this.top = 'terminal';
    this.bottom = 'transcript';
    this.model = 'session';
  }

  /** The learner selected a conversation: a delivery brings its controls, a terminal its terminal. */
  followOrigin(origin: string): void {
    // A relay hop is a delivery too: a stepped one is held at its own gate, with the same controls.
    if (origin === 'compose' || origin === 'relay') this.showDelivery();
    else if (origin === 'terminal') this.showTerminal();
  }
}
