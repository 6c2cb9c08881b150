/**
 * "Open a shared conversation": choose (or drop) a file another lab saved as JSON; core checks it.
 * Loaded when first used: the file's checks and the schema library stay off the first screen.
 */
import { MAX_SHARED_FILE_BYTES, parseSharedConversation } from '../../core/export/shared-conversation';
import type { ConversationDetail } from '../../core/wire';

export type SharedFile = { ok: true; detail: ConversationDetail; fileName: string } | { ok: false; error: string };

/** Ask for a file with the browser's own picker; null when none is chosen. */
export function chooseFile(): Promise<File | null> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = 'application/json,.json';
    input.dataset.testid = 'open-shared-file';
    input.hidden = true;
    input.addEventListener('change', () => {
      resolve(input.files?.[0] ?? null);
      input.remove();
    });
    input.addEventListener('cancel', () => {
      resolve(null);
      input.remove();
    });
    document.body.append(input);
    input.click();
  });
}

/**
 * The file dropped, or one chosen now (null when none is), as a conversation to replay: ended, from
 * an outside client, with an id of its own so it never stands for one of this lab's.
 */
export async function readSharedFile(dropped?: File | null): Promise<SharedFile | null> {
  const file = dropped ?? (await chooseFile());
  if (!file) return null;
  // Too large a file is refused before it is read.
  const text = file.size > MAX_SHARED_FILE_BYTES ? '' : await file.text();
  const parsed = parseSharedConversation(text, file.size, file.name);
  if (!parsed.ok) return parsed;
  const { id, events } = parsed.shared;
  const detail = { id: `shared-${id}`, origin: 'external', startedAt: 0, endedAt: events.at(-1)?.at ?? 0, peer: '', state: 'closed', lines: events } as const;
  return { ok: true, detail, fileName: file.name };
}
