import { describe, expect, it } from 'vitest';
import { newId } from '../../src/domain/ids.ts';

describe('newId', () => {
  it('is a UUID (version 8) that ascends in the order made, with 74 random bits each', () => {
    const ids = Array.from({ length: 1000 }, newId);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    // Neighbours share the counting head but not the random tail: no id is guessed from another.
    const tails = new Set(ids.map((id) => id.slice(15)));
    expect(tails.size).toBe(ids.length);
  });
});
