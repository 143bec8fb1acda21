import type { SnapshotAttempt } from '../domain/history.ts';
import { newId } from '../domain/ids.ts';
import type { Message } from '../domain/model.ts';
import type { Repos } from '../store/store.ts';
import { VapiError } from '../errors.ts';

/**
 * The one way into snapshot history. Successes are recorded in the transaction that makes the
 * snapshot, so history never shows a snapshot that was rolled back; failures are recorded in
 * a write of their own (the failed work's transaction may be gone). Anything that makes a
 * snapshot attempt fail on purpose (fault injection, say) records it through here too.
 */
export async function recordAttempt(tx: Repos, attempt: SnapshotAttempt | SnapshotAttempt[]): Promise<void> {
  await tx.history.insert(Array.isArray(attempt) ? attempt : [attempt]);
}

/** Fills the fields every attempt needs a value for; `id` is new unless given. */
export function attempt(a: Omit<SnapshotAttempt, 'id' | 'reasons' | 'pgId' | 'pgName' | 'pgSnapshotId' | 'vmId' | 'vmName' | 'snapshotId' | 'expiresAt'> & Partial<SnapshotAttempt>): SnapshotAttempt {
  return {
    id: newId(), pgId: null, pgName: null, pgSnapshotId: null, vmId: null, vmName: null, snapshotId: null, expiresAt: null, reasons: [],
    ...a,
  };
}

/** A failure's reason as the reports show it: the vAPI error's messages, or a generic one. */
export function reasonOf(err: unknown): Message[] {
  if (err instanceof VapiError && err.messages.length > 0) {
    return err.messages.map((m) => ({ id: m.id, defaultMessage: m.default_message, args: [...m.args] }));
  }
  return [{ id: 'com.vmware.snapservice.snapshot.failed', defaultMessage: 'The snapshot failed because of an internal error.', args: [] }];
}
