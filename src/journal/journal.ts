/** One API call as the journal keeps it. */
export interface JournalEntry {
  seq: number;
  /** Service time the call arrived. */
  time: number;
  protocol: 'REST' | 'JSON-RPC' | 'STS';
  method: string;
  /** The URL path, without the query string (which may carry ids but never secrets here). */
  path: string;
  user?: string;
  /** `service.operation`, once the call named a known one. */
  operation?: string;
  /** Identifier inputs by name (`vm`, `cluster`...). */
  ids: Record<string, string>;
  /** The input with secrets redacted, cut to a bounded length. */
  input?: string;
  /** HTTP status of the reply (JSON-RPC replies are always 200: see `error`). */
  status?: number;
  /** vAPI error kind, or the SOAP fault code of an STS refusal. */
  error?: string;
  /** The task a `$task` call started. */
  task?: string;
  /** Service time the call took (injected latency included). */
  durationMs?: number;
}

export interface JournalFilter {
  operation?: string;
  user?: string;
  object?: string;
  since?: number;
  /** An HTTP status ('404') or an error kind ('NOT_FOUND', 'wst:FailedAuthentication'). */
  status?: string;
}

/** A bounded ring of the latest calls, oldest dropped first; size 0 records nothing. */
export class Journal {
  private ring: JournalEntry[] = [];
  private next = 0;
  private seq = 0;

  constructor(readonly size: number) {}

  get enabled(): boolean {
    return this.size > 0;
  }

  /** An entry to fill in as the call goes; it is recorded by `finish`. */
  begin(e: Omit<JournalEntry, 'seq' | 'ids'> & { ids?: Record<string, string> }): JournalEntry {
    return { ids: {}, ...e, seq: 0 };
  }

  finish(e: JournalEntry, status: number, now: number): void {
    if (!this.enabled) return;
    e.status = status;
    e.durationMs = Math.max(0, now - e.time);
    e.seq = ++this.seq;
    if (this.ring.length < this.size) this.ring.push(e);
    else this.ring[this.next] = e;
    this.next = (this.next + 1) % this.size;
  }

  /** Oldest first. */
  list(f: JournalFilter = {}): JournalEntry[] {
    const ordered = this.ring.length < this.size ? this.ring : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
    return ordered.filter((e) => keep(e, f));
  }

  clear(): void {
    this.ring = [];
    this.next = 0;
  }
}

function keep(e: JournalEntry, f: JournalFilter): boolean {
  if (f.operation !== undefined && !sameOperation(f.operation, e.operation)) return false;
  if (f.user !== undefined && f.user.toLowerCase() !== e.user?.toLowerCase()) return false;
  if (f.object !== undefined && !Object.values(e.ids).includes(f.object)) return false;
  if (f.since !== undefined && e.time < f.since) return false;
  if (f.status !== undefined && f.status !== String(e.status) && f.status !== e.error) return false;
  return true;
}

/** A full id, or its operation part alone (`revert` also finds `revert$task`). */
function sameOperation(wanted: string, actual: string | undefined): boolean {
  if (actual === undefined) return false;
  if (wanted === actual || `${wanted}$task` === actual) return true;
  const name = actual.slice(actual.lastIndexOf('.') + 1);
  return wanted === name || `${wanted}$task` === name;
}

/**
 * A request's journal entry rides on the request itself, so that the layers a call passes
 * through can fill in theirs. A field rather than a WeakMap keyed by request: such a map makes
 * every request an ephemeron the young-generation GC has to trace, and costs a hash per call.
 * The app declares the field (null) when the journal is on, so requests keep one shape.
 */
interface Journalled {
  journalEntry?: JournalEntry | null;
}

export function attachEntry(req: object, e: JournalEntry): JournalEntry {
  (req as Journalled).journalEntry = e;
  return e;
}

export function entryOf(req: object): JournalEntry | undefined {
  return (req as Journalled).journalEntry ?? undefined;
}
