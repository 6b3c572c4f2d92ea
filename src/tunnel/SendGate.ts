/**
 * A gate on a session's outgoing DATA frames. The provider's payment layer closes it when
 * the client's credit is used up and opens it when payment arrives; while closed no DATA
 * frame is sent (control frames still flow), and senders are back-pressured.
 */
import { EventEmitter } from 'node:events';

export class SendGate extends EventEmitter<{ open: []; close: [] }> {
  #open = true;

  get isOpen(): boolean {
    return this.#open;
  }

  /** Pauses sending. Idempotent. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.emit('close');
  }

  /** Resumes sending. Idempotent. */
  open(): void {
    if (this.#open) return;
    this.#open = true;
    this.emit('open');
  }
}
