/**
 * The budgets a provider's paid session cannot be talked out of (issue 14), each with its reason. The
 * tunnel's own limits (streams per session, early data per stream) are in `tunnel/constants.ts`; the
 * provider's admission limits (sessions per payer, proposals per peer) in `provider/limits.ts`.
 */

/**
 * Session window a client starts with once its opening voucher is accepted: room for the early data of
 * several optimistic CONNECTs (a TLS ClientHello or an HTTP request is 0.5–2 KiB) without reserving much
 * of the credit window, which downloads need: what the client may still upload counts against the credit
 * too, so a window it does not use closes the send gate that much earlier (128 KiB here cost about 5 %
 * more pauses of a download, `docs/performance.md` round 4). It grows as the client uploads.
 */
export const MIN_RECEIVE_WINDOW = 32 * 1024;
/**
 * Most session window a client is granted at once, reached as it uploads (the window grows with what it
 * has sent: a client that only downloads keeps `MIN_RECEIVE_WINDOW`). 2 MiB: at a 50 ms round trip that
 * is 40 MB/s of upload, and half of the clients' default 4 MiB credit window.
 */
export const MAX_RECEIVE_WINDOW = 2 * 1024 * 1024;
/**
 * Received bytes one session may have buffered at the exit (not yet written to their destinations),
 * plus what it may still send: a destination that never reads holds at most this much of the provider's
 * memory per session.
 */
export const SESSION_RECEIVE_BUFFER_BYTES = 8 * 1024 * 1024;
/** The same over every session of the process: 256 MiB, whatever the number of sessions. */
export const PROCESS_RECEIVE_BUFFER_BYTES = 256 * 1024 * 1024;
/** A session whose opening voucher has not come within this time is ended (the slot is freed). */
export const OPENING_VOUCHER_TIMEOUT_MS = 10_000;
