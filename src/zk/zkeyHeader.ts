/**
 * The Groth16 header of a snarkjs `.zkey` (section 2): how many signals and public inputs the proving key was
 * made for, and its evaluation domain. Enough to refuse a committed key that was made for another circuit
 * before anything proves with it (the full binding, `snarkjs zkey verify`, needs the powers of tau).
 */
import { readFileSync } from 'node:fs';
import { ZkError } from './ZkError.ts';

export type ZkeyHeader = { protocol: number; nVars: number; nPublic: number; domainSize: number };

export function readZkeyHeader(file: string, circuit: string): ZkeyHeader {
  const bytes = readFileSync(file);
  const bad = (why: string) =>
    new ZkError({ code: 'ZK_BUILD_FAILED', message: `${file} is not a Groth16 zkey: ${why}`, circuit });
  if (bytes.subarray(0, 4).toString('latin1') !== 'zkey') throw bad('no zkey magic');
  const sections = bytes.readUInt32LE(8);
  let offset = 12;
  let protocol: number | undefined;
  for (let i = 0; i < sections && offset + 12 <= bytes.length; i++) {
    const type = bytes.readUInt32LE(offset);
    const size = Number(bytes.readBigUInt64LE(offset + 4));
    const data = offset + 12;
    if (type === 1) protocol = bytes.readUInt32LE(data);
    if (type === 2) {
      const n8q = bytes.readUInt32LE(data);
      const n8r = bytes.readUInt32LE(data + 4 + n8q);
      const at = data + 8 + n8q + n8r;
      if (protocol !== 1) throw bad(`protocol ${protocol} is not Groth16`);
      return {
        protocol,
        nVars: bytes.readUInt32LE(at),
        nPublic: bytes.readUInt32LE(at + 4),
        domainSize: bytes.readUInt32LE(at + 8),
      };
    }
    offset = data + size;
  }
  throw bad('no Groth16 header section');
}
