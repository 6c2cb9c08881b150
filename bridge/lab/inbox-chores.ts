/**
 * The inbox chores a mail catcher offers: delete one copy, some or a whole mailbox, and mark a
 * copy read or unread. They act on the world's mailboxes, whose writer makes the lab database
 * forget a deleted copy too; every page hears the new counts through `changed`.
 */
import type { Mailboxes } from '../world/mailboxes';

export interface InboxChores {
  /** Delete these copies; the ids that were there and are gone now. */
  remove(ids: string[]): string[];
  /** Delete every copy in one mailbox; the ids taken out. */
  clear(address: string): string[];
  /** Mark one copy read or unread; false if there is no such copy. */
  setRead(id: string, read: boolean): boolean;
}

export function createInboxChores(mailboxes: Mailboxes, changed: () => void): InboxChores {
  const after = <T>(result: T, anything: boolean): T => {
    if (anything) changed();
    return result;
  };
  return {
    remove: (ids) => {
      const gone = ids.filter((id) => mailboxes.remove(id, { keepEmpty: true }));
      return after(gone, gone.length > 0);
    },
    clear: (address) => {
      const gone = mailboxes.clear(address);
      return after(gone, gone.length > 0);
    },
    setRead: (id, read) => {
      const found = mailboxes.setRead(id, read);
      return after(found, found);
    },
  };
}
