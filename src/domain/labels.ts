/**
 * Snapshot labels (vSphere API 9.1): a label is a name within a category, e.g. category
 * `retention`, name `legal-hold`. The vendor sets no limits; these keep one snapshot's labels
 * small enough to list with every snapshot.
 */
export interface SnapshotLabel {
  category: string;
  name: string;
}

export const LABEL_LIMITS = {
  /** Characters in a category or a name. */
  length: 80,
  /** Labels on one snapshot, all categories together. */
  perSnapshot: 64,
};

/** Why a category or name is refused, or undefined when it is fine. */
export function labelTextProblem(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty';
  if (value.trim() !== value) return 'must not start or end with white space';
  if ([...value].length > LABEL_LIMITS.length) return `must be at most ${LABEL_LIMITS.length} characters`;
  // Control characters cannot be told apart in lists and logs; U+0000 cannot be stored at all.
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'must not contain control characters';
  return undefined;
}

export const sameLabel = (a: SnapshotLabel, b: SnapshotLabel): boolean => a.category === b.category && a.name === b.name;

/** Labels in the order every list shows them: by category, then name (code point order). */
export function sortLabels(labels: SnapshotLabel[]): SnapshotLabel[] {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...labels].sort((a, b) => cmp(a.category, b.category) || cmp(a.name, b.name));
}
