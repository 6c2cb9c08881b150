/**
 * When the page tries the bridge again after the link dropped: one second, doubling up to fifteen,
 * with the seconds left shown while it waits. A link that opens starts the doubling over.
 */
const FIRST_RETRY_MS = 1000;
const LONGEST_RETRY_MS = 15000;

export class ReconnectCountdown {
  #secondsLeft = $state(0);
  #failedAttempts = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #countdownTimer: ReturnType<typeof setInterval> | undefined;

  get secondsLeft(): number {
    return this.#secondsLeft;
  }

  /** The link is up: the next drop waits the shortest time again. */
  succeeded(): void {
    this.#failedAttempts = 0;
  }

  /** Call `connect` after the next wait, counting down the seconds. */
  schedule(connect: () => void): void {
    this.clear();
    const delay = Math.min(FIRST_RETRY_MS * 2 ** this.#failedAttempts, LONGEST_RETRY_MS);
    this.#failedAttempts++;
    this.#secondsLeft = Math.ceil(delay / 1000);
    this.#countdownTimer = setInterval(() => {
      this.#secondsLeft = Math.max(0, this.#secondsLeft - 1);
    }, 1000);
    this.#retryTimer = setTimeout(connect, delay);
  }

  clear(): void {
    clearTimeout(this.#retryTimer);
    clearInterval(this.#countdownTimer);
  }
}
