/**
 * Saves payees' claims off the event loop: a worker thread with its own SQLite connection to the same
 * database (WAL lets the daemon's connection read what it commits). A claim save is a small write, but
 * SQLite's WAL checkpoint inside it fsyncs, and on a busy disk one took 868 ms in the bench — time in which
 * a provider saving on its event loop served no session at all. `save` resolves once the claim is
 * committed: only then may credit extend over it (`PayeeChannel.markDurable`). Saves are done in the order
 * they are asked for; `close` waits for every one of them. The thread keeps the process alive only while a
 * save is in flight.
 *
 * @example
 * const claims = new ClaimWriter({ file: join(stateDir, 'provider.db') });
 * await claims.saveClaim(channelId, payee.claim); // committed
 * await claims.close();
 */
import { Worker } from 'node:worker_threads';
import type { Hex } from 'viem';
import type { Claim } from '../accounting/PayeeChannel.ts';
import type { ClaimWriterReply, ClaimWriterRequest } from './claimWriterWorker.ts';
import { type OpenDatabaseParameters, StoreError } from './openDatabase.ts';

type Waiter = { resolve: (stored: boolean) => void; reject: (error: Error) => void };

export class ClaimWriter {
  readonly #file: string;
  readonly #worker: Worker;
  readonly #waiting = new Map<number, Waiter>();
  readonly #exited: Promise<void>;
  #nextId = 1;
  #failure: Error | undefined;
  #closing: Promise<void> | undefined;

  constructor(params: OpenDatabaseParameters) {
    this.#file = params.file;
    this.#worker = new Worker(new URL('./claimWriterWorker.ts', import.meta.url), { workerData: params });
    this.#worker.unref();
    this.#worker.on('message', (reply: ClaimWriterReply) => {
      const waiter = this.#waiting.get(reply.id);
      this.#waiting.delete(reply.id);
      if (this.#waiting.size === 0) this.#worker.unref();
      if (!waiter) return;
      if ('error' in reply) {
        const { message, code, details } = reply.error;
        waiter.reject(
          new StoreError(this.#file, `saving a claim failed: ${message}`, details ?? `SQLite said ${code ?? message}`),
        );
      } else waiter.resolve(reply.stored);
    });
    this.#worker.on('error', (error) => this.#fail(error));
    this.#exited = new Promise((resolve) =>
      this.#worker.once('exit', (code) => {
        if (code !== 0) this.#fail(new Error(`the claim writer thread exited with code ${code}`));
        else this.#fail(new Error('the claim writer is closed'));
        resolve();
      }),
    );
  }

  /** Commits `claim` if it is worth more than the stored one; resolves with whether it was stored. */
  saveClaim(channelId: Hex, claim: Claim): Promise<boolean> {
    if (this.#failure || this.#closing)
      return Promise.reject(
        new StoreError(this.#file, 'cannot save a claim', String((this.#failure ?? new Error('closing')).message)),
      );
    return this.#send({ id: this.#nextId++, channelId, claim });
  }

  /** Waits for every save asked for so far, then stops the thread. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (!this.#failure) await this.#send({ id: this.#nextId++, close: true }).catch(() => {});
      await this.#exited;
    })();
    return this.#closing;
  }

  #send(request: ClaimWriterRequest): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.#waiting.set(request.id, { resolve, reject });
      this.#worker.ref();
      this.#worker.postMessage(request);
    });
  }

  #fail(cause: Error): void {
    this.#failure ??= cause;
    for (const { reject } of this.#waiting.values())
      reject(new StoreError(this.#file, 'saving a claim failed', 'the claim writer thread stopped', cause));
    this.#waiting.clear();
  }
}
