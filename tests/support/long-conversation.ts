/**
 * A long conversation for the browser test and the page bench: an outside client (a raw TCP
 * socket, as any SMTP client) pipelines NOOPs in bursts to the lab's SMTP port, and the page's
 * long tasks and keystroke echo are measured while it shows that conversation.
 */
import { connect, type Socket } from 'node:net';
import type { Locator, Page } from 'playwright-core';

export interface OutsideClient {
  /** Sends `count` NOOPs in bursts of `burst`, each once the last is answered; resolves when all are. */
  noops(count: number, burst?: number): Promise<void>;
  quit(): void;
}

/** Connects to the lab's SMTP port and says EHLO; resolves once the EHLO is answered. */
export function outsideClient(port: number, host = '127.0.0.1'): Promise<OutsideClient> {
  const socket: Socket = connect(port, host);
  let replies = 0;
  let onReply: (() => void) | null = null;
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.on('data', (chunk) => {
      const text = String(chunk);
      if (/^220 /m.test(text) && replies === 0) socket.write('EHLO outside.test\r\n');
      const finals = (text.match(/^250 /gm) ?? []).length;
      replies += finals;
      if (finals > 0 && replies === 1) resolve(client);
      onReply?.();
    });
    const client: OutsideClient = {
      async noops(count, burst = 500) {
        for (let sent = 0; sent < count; sent += burst) {
          const target = replies + Math.min(burst, count - sent);
          await new Promise<void>((done) => {
            onReply = () => {
              if (replies >= target) done();
            };
            socket.write('NOOP\r\n'.repeat(target - replies));
          });
        }
        onReply = null;
      },
      quit() {
        socket.end('QUIT\r\n');
      },
    };
  });
}

/** Starts the page's long-task observer; `take()` returns the wall times since the last call. */
export async function observeLongTasks(page: Page): Promise<{ take(): Promise<number[]> }> {
  await page.evaluate(() => {
    const w = window as unknown as { longTasks: number[] };
    w.longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) w.longTasks.push(entry.duration);
    }).observe({ type: 'longtask', buffered: false });
  });
  return {
    take: () => page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks.splice(0)),
  };
}

/** For each character: ms from putting it in the input to the frame after the page handled it. */
export function echoTimes(input: Locator, text: string): Promise<number[]> {
  return input.evaluate(async (element: HTMLInputElement, characters) => {
    element.focus();
    const times: number[] = [];
    for (const key of characters) {
      const started = performance.now();
      const typed = new Promise<void>((resolve) => element.addEventListener('input', () => resolve(), { once: true }));
      element.value += key;
      element.dispatchEvent(new InputEvent('input', { data: key, inputType: 'insertText', bubbles: true }));
      await typed;
      await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
      times.push(performance.now() - started);
    }
    return times;
  }, text);
}

/** Pastes `text` into the input as the clipboard would. */
export function paste(input: Locator, text: string): Promise<void> {
  return input.evaluate((element, data) => {
    const clipboard = new DataTransfer();
    clipboard.setData('text', data);
    element.dispatchEvent(new ClipboardEvent('paste', { clipboardData: clipboard, bubbles: true, cancelable: true }));
  }, text);
}
