/**
 * How much of a lab one reply carries. A lab may keep tens of megabytes (its budget); a page or an
 * API caller gets it in pages, so no WebSocket frame or JSON reply grows with the lab, and
 * serialising one never holds up the other labs of a bridge.
 */

/** Newest lines of each conversation in the welcome and in `GET /api/conversations`; older ones come on request. */
export const RECENT_LINES_PER_CONVERSATION = 100;
/** Most lines one `conversation.lines` request or `GET /api/conversations/:id` page carries. */
export const MAX_LINES_PER_PAGE = 1_000;
/** Most bytes of lines, messages or events one reply carries (each list in the welcome gets its own share). */
export const MAX_PAGE_BYTES = 256 * 1024;
/** Conversations with their newest lines: the welcome's largest part, so it gets a double share. */
export const MAX_CONVERSATION_PAGE_BYTES = 2 * MAX_PAGE_BYTES;
