/** Length-prefixed frames for the crash-test session: type (1 byte) ‖ length (4 bytes BE) ‖ payload. */
import type { Socket } from 'node:net';

export const DATA_FRAME = 1;
export const PAYMENT_FRAME = 2;

export function writeFrame(socket: Socket, type: number, payload: Uint8Array): boolean {
  const header = Buffer.alloc(5);
  header[0] = type;
  header.writeUInt32BE(payload.length, 1);
  socket.cork();
  socket.write(header);
  const ok = socket.write(payload);
  socket.uncork();
  return ok;
}

/** Calls `onFrame` for every complete frame arriving on `socket`. */
export function readFrames(socket: Socket, onFrame: (type: number, payload: Buffer) => void): void {
  let buffered: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    while (buffered.length >= 5) {
      const length = buffered.readUInt32BE(1);
      if (buffered.length < 5 + length) break;
      onFrame(buffered[0] as number, buffered.subarray(5, 5 + length));
      buffered = buffered.subarray(5 + length);
    }
  });
}
