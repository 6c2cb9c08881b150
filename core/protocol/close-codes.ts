/** WebSocket close code for a lab that hosted mode closed after it sat idle: the page starts a new one. */
export const LAB_CLOSED = 4000;
