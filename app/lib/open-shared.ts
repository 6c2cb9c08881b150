/**
 * "Open a shared conversation": choose (or drop) a file another lab saved as JSON; core checks it.
 * Loaded when first used: the file's checks and the schema library stay off the first screen.
 */
import { MAX_SHARED_FILE_BYTES, parseSharedConversation, type SharedParse } from '../../core/export/shared-conversation';

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

/** The file dropped, or one chosen now; null when none is. */
export async function readSharedFile(dropped?: File | null): Promise<(SharedParse & { fileName: string }) | null> {
  const file = dropped ?? (await chooseFile());
  if (!file) return null;
  // Too large a file is refused before it is read.
  const text = file.size > MAX_SHARED_FILE_BYTES ? '' : await file.text();
  return { ...parseSharedConversation(text, file.size, file.name), fileName: file.name };
}
