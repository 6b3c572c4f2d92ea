/**
 * Keeps a long-running command alive until SIGINT, SIGTERM or SIGHUP, then runs its
 * cleanup once and exits 0 (a second signal exits at once).
 */
export function waitForShutdown(cleanup: () => Promise<void>): Promise<never> {
  return new Promise<never>(() => {
    let stopping = false;
    const onSignal = () => {
      if (stopping) process.exit(130);
      stopping = true;
      cleanup().then(
        () => process.exit(0),
        (error) => {
          console.error(`bandex: error while stopping: ${(error as Error).message}`);
          process.exit(1);
        },
      );
    };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  });
}
