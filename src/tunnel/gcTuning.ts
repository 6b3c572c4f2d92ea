/**
 * V8 tuning for the data plane, applied once by importing this module (the secure channel does).
 *
 * Every record costs node:crypto a fresh output buffer outside the JS heap (its plaintext or
 * ciphertext, 64 KiB), so a busy tunnel churns through external memory while allocating almost
 * nothing on the JS heap. By default V8 answers each 64 MiB of external growth with a full
 * mark-compact of the whole heap (measured: ~50 per GiB carried, 15–20 ms each plus concurrent
 * marking, 15–25 % of a tunnel process's CPU). `--external-memory-accounted-in-global-limit`
 * counts external memory in the global heap limit instead: the short-lived record buffers are
 * then freed by cheap young-generation scavenges and full collections become rare.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--external-memory-accounted-in-global-limit');
