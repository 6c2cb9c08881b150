/**
 * The lab's own relay, smtp.lab.test: the one fact of the world the first screen needs (the name
 * a conversation's hops are told from), kept apart so that the page does not load the whole world.
 */
export const LAB_RELAY = { name: 'smtp.lab.test', address: '192.0.2.10', domain: 'lab.test' } as const;
