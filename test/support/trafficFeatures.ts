/**
 * What a censor measures on a connection's first packets (pure), after Wu et al. (USENIX Security
 * 2023, "How the Great Firewall of China detects and blocks fully encrypted traffic"): bits set per
 * byte, byte entropy, the printable share, the sizes of the first flights, the reply's delay; the
 * GFW's own rule (block 3.4–4.6 bits/byte unless exempt); and a logistic regression to learn the rest.
 */
import type { Sample } from './sessionClassifier.ts';

/** What a recording proxy saw of one connection: the client's first two chunks, the server's first, the gap. */
export type FirstFlights = {
  client1: Buffer;
  server1: number;
  client2: number;
  gapMs: number;
  /** Sizes of the first chunks either way, in order, client's positive and server's negative (a packet-size sequence). */
  sizes: number[];
};

/** How many chunks of each connection `sizes` keeps (the first round trips, where TLS-in-TLS shows). */
export const SEQUENCE_LENGTH = 10;

const isPrintable = (b: number) => b >= 0x20 && b <= 0x7e;

export function bitsPerByte(bytes: Buffer): number {
  let bits = 0;
  for (const b of bytes) {
    let v = b;
    while (v) {
      bits += v & 1;
      v >>= 1;
    }
  }
  return bytes.length === 0 ? 0 : bits / bytes.length;
}

export function byteEntropy(bytes: Buffer): number {
  const counts = new Map<number, number>();
  for (const b of bytes) counts.set(b, (counts.get(b) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / bytes.length;
    h -= p * Math.log2(p);
  }
  return h;
}

export function printableShare(bytes: Buffer): number {
  let n = 0;
  for (const b of bytes) if (isPrintable(b)) n++;
  return bytes.length === 0 ? 0 : n / bytes.length;
}

const looksLikeTls = (p: Buffer) => p.length >= 3 && p[0] === 0x16 && p[1] === 0x03 && (p[2] as number) <= 0x03;
const looksLikeHttp = (p: Buffer) =>
  /^(GET|PUT|POST|HEAD|OPTIONS|DELETE|PATCH|CONNECT|TRACE) /.test(p.subarray(0, 8).toString('latin1'));

/**
 * The GFW's rule for fully encrypted traffic (Wu et al. 2023, §4, exemptions Ex1–Ex5): a first
 * packet is blocked when its average set bits per byte lie in (3.4, 4.6), unless its first six bytes
 * are printable, more than half of it is printable, it has a run of more than 20 printable bytes, or
 * it starts like TLS or HTTP.
 */
export function gfwBlocks(first: Buffer): boolean {
  const bits = bitsPerByte(first);
  if (bits <= 3.4 || bits >= 4.6) return false;
  if (first.length >= 6 && [...first.subarray(0, 6)].every(isPrintable)) return false;
  if (printableShare(first) > 0.5) return false;
  let run = 0;
  for (const b of first) {
    run = isPrintable(b) ? run + 1 : 0;
    if (run > 20) return false;
  }
  return !(looksLikeTls(first) || looksLikeHttp(first));
}

export function flightFeatures(f: FirstFlights): number[] {
  const head = f.client1.subarray(0, 256);
  return [
    bitsPerByte(f.client1),
    byteEntropy(head),
    printableShare(f.client1),
    Math.log2(f.client1.length),
    Math.log2(1 + f.server1),
    Math.log2(1 + f.client2),
    Math.log(1 + f.gapMs),
    looksLikeTls(f.client1) ? 1 : 0,
    looksLikeHttp(f.client1) ? 1 : 0,
  ];
}

/**
 * Features of the first round trips after the first flight, in the manner of Xue et al. (USENIX Security
 * 2024, TLS-in-TLS): the size and direction of each of the first chunks, zero-padded.
 */
export function sequenceFeatures(f: FirstFlights): number[] {
  return Array.from({ length: SEQUENCE_LENGTH }, (_, i) => {
    const v = f.sizes[i] ?? 0;
    return Math.sign(v) * Math.log2(1 + Math.abs(v));
  });
}

/** Logistic regression on z-scored features, batch gradient descent with a little L2. */
export function trainLogistic(train: readonly Sample[], { epochs = 600, rate = 0.5, l2 = 1e-3 } = {}) {
  const width = train[0]?.features.length ?? 0;
  const mean = Array.from(
    { length: width },
    (_, f) => train.reduce((a, s) => a + (s.features[f] as number), 0) / train.length,
  );
  const sd = Array.from({ length: width }, (_, f) => {
    const v = train.reduce((a, s) => a + ((s.features[f] as number) - (mean[f] as number)) ** 2, 0) / train.length;
    return Math.sqrt(v) || 1;
  });
  const z = (x: readonly number[]) => x.map((v, f) => (v - (mean[f] as number)) / (sd[f] as number));
  const xs = train.map((s) => z(s.features));
  const w = new Array<number>(width).fill(0);
  let b = 0;
  const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));
  for (let e = 0; e < epochs; e++) {
    const gw = new Array<number>(width).fill(0);
    let gb = 0;
    xs.forEach((x, i) => {
      const err = sigmoid(x.reduce((a, v, f) => a + v * (w[f] as number), b)) - (train[i] as Sample).label;
      for (let f = 0; f < width; f++) gw[f] = (gw[f] as number) + err * (x[f] as number);
      gb += err;
    });
    for (let f = 0; f < width; f++)
      w[f] = (w[f] as number) - rate * ((gw[f] as number) / xs.length + l2 * (w[f] as number));
    b -= (rate * gb) / xs.length;
  }
  return {
    predict: (features: readonly number[]): 0 | 1 =>
      sigmoid(z(features).reduce((a, v, f) => a + v * (w[f] as number), b)) > 0.5 ? 1 : 0,
  };
}

export function logisticAccuracy(train: readonly Sample[], test: readonly Sample[]): number {
  const model = trainLogistic(train);
  return test.filter((s) => model.predict(s.features) === s.label).length / test.length;
}
