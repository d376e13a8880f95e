/**
 * Asks until `done` holds, every 20 ms, for at most `withinMs` (a PostgreSQL notification arrives
 * within milliseconds; 5 s is a test's patience); fails naming `what` otherwise.
 */
export async function eventually(done: () => Promise<boolean>, what: string, withinMs = 5_000): Promise<void> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`not within ${withinMs / 1000} s: ${what}`);
}
