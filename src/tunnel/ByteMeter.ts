/**
 * Byte counters for a session or a stream, with an event each time another `tickBytes`
 * have been received or sent — the hook the payment layer pays (client) or bills
 * (provider) on. Counts payload bytes of DATA frames, not tunnel overhead.
 */
import { EventEmitter } from 'node:events';
import { DEFAULT_METER_TICK_BYTES } from './constants.ts';

export type ByteMeterEvents = {
  /** Another `tickBytes` received; `total` is the running count, `ticks` how many units crossed now. */
  received: [total: number, ticks: number];
  sent: [total: number, ticks: number];
};

export class ByteMeter extends EventEmitter<ByteMeterEvents> {
  readonly tickBytes: number;
  sent = 0;
  received = 0;

  constructor(tickBytes: number = DEFAULT_METER_TICK_BYTES) {
    super();
    this.tickBytes = tickBytes;
  }

  addSent(n: number): void {
    const before = Math.floor(this.sent / this.tickBytes);
    this.sent += n;
    const ticks = Math.floor(this.sent / this.tickBytes) - before;
    if (ticks > 0) this.emit('sent', this.sent, ticks);
  }

  addReceived(n: number): void {
    const before = Math.floor(this.received / this.tickBytes);
    this.received += n;
    const ticks = Math.floor(this.received / this.tickBytes) - before;
    if (ticks > 0) this.emit('received', this.received, ticks);
  }
}
