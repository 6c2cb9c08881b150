/**
 * The lab world with a scenario's changes: records of a domain and the conduct of a host replaced
 * field by field. Pure, so the world page, the lab DNS and the hosts all read the same result.
 */
import type { DomainDefinition, HostDefinition, WorldDefinition } from './world-types';

export interface WorldChanges {
  domains: ReadonlyArray<{ name: string } & Partial<Omit<DomainDefinition, 'name' | 'magicLocalParts' | 'mtaSts'>>>;
  hosts: ReadonlyArray<{ name: string } & Partial<Omit<HostDefinition, 'name' | 'address'>>>;
}

/** `base` with every change applied; a name the world does not have changes nothing. */
export function withChanges(base: WorldDefinition, changes: WorldChanges): WorldDefinition {
  const changed = <T extends { name: string }>(entries: readonly T[], edits: ReadonlyArray<{ name: string }>): T[] =>
    entries.map((entry) => {
      const edit = edits.find((candidate) => candidate.name === entry.name);
      return edit ? { ...entry, ...definedFields(edit) } : entry;
    });
  return { ...base, domains: changed(base.domains, changes.domains), hosts: changed(base.hosts, changes.hosts) };
}

/** A field left out keeps the world's value (YAML gives no `undefined`, but a caller might). */
function definedFields<T extends object>(edit: T): Partial<T> {
  return Object.fromEntries(Object.entries(edit).filter(([, value]) => value !== undefined)) as Partial<T>;
}
