/**
 * One account's transactions, one at a time: two sent concurrently would both take the same pending
 * nonce and one would fail. Every part of a daemon that sends from the account (channel opens,
 * anchors, slashes) goes through the same `SerialWrites`.
 */
export type SerialWrites = <T>(write: () => Promise<T>) => Promise<T>;

export function createSerialWrites(): SerialWrites {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(write: () => Promise<T>): Promise<T> => {
    const next = tail.then(write);
    tail = next.catch(() => {});
    return next;
  };
}
