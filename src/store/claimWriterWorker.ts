/**
 * The thread behind `ClaimWriter`: its own SQLite connection to the provider's state database, saving the
 * claims the event loop sends, one at a time, and answering each with whether it was stored (or why not).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Hex } from 'viem';
import type { Claim } from '../accounting/PayeeChannel.ts';
import { ChannelStore } from './ChannelStore.ts';
import { type OpenDatabaseParameters, openDatabase } from './openDatabase.ts';

export type ClaimWriterRequest = { id: number; channelId: Hex; claim: Claim } | { id: number; close: true };
export type ClaimWriterReply =
  | { id: number; stored: boolean }
  | { id: number; error: { message: string; code?: string; details?: string } };

const port = parentPort;
if (!port) throw new Error('claimWriterWorker runs as a worker thread (see ClaimWriter)');
const store = new ChannelStore(openDatabase(workerData as OpenDatabaseParameters));

port.on('message', (request: ClaimWriterRequest) => {
  if ('close' in request) {
    store.close();
    port.postMessage({ id: request.id, stored: false } satisfies ClaimWriterReply);
    port.close();
    return;
  }
  try {
    const stored = store.saveClaim(request.channelId, request.claim);
    port.postMessage({ id: request.id, stored } satisfies ClaimWriterReply);
  } catch (cause) {
    const error = cause as { shortMessage?: string; message?: string; code?: string; details?: string };
    port.postMessage({
      id: request.id,
      error: {
        message: String(error.shortMessage ?? error.message ?? cause),
        code: error.code,
        details: error.details,
      },
    } satisfies ClaimWriterReply);
  }
});
