/**
 * Simulated network conditions of the link to each paired site (simulation plane). Kept in
 * memory like the fault rules: they are test set-up, and a restart gives a clean link.
 * The peer client reads them at every step of every call to the site, so a link cut while a
 * slow transfer is under way fails that transfer.
 */
export interface LinkConditions {
  /** Calls fail as unreachable without connecting. */
  cut: boolean;
  /** Added to every call, before it is sent (service time). */
  latencyMs: number;
  /** Bytes per second both ways; undefined: unlimited. */
  bandwidth?: number;
}

export const CLEAR_LINK: Readonly<LinkConditions> = Object.freeze({ cut: false, latencyMs: 0 });

export class LinkTable {
  private readonly links = new Map<string, LinkConditions>();

  /** The conditions of the link to a site (a clear link when none were set). */
  get(siteId: string): LinkConditions {
    return { ...(this.links.get(siteId) ?? CLEAR_LINK) };
  }

  set(siteId: string, c: LinkConditions): void {
    if (!c.cut && c.latencyMs === 0 && c.bandwidth === undefined) this.links.delete(siteId);
    else this.links.set(siteId, { ...c });
  }

  /** Forgets a site's conditions (the site was unpaired). */
  clear(siteId: string): void {
    this.links.delete(siteId);
  }
}

/** How long `bytes` take through the link, in milliseconds (0 when unlimited). */
export function transferMs(c: LinkConditions, bytes: number): number {
  return c.bandwidth === undefined || bytes === 0 ? 0 : Math.ceil((bytes * 1000) / c.bandwidth);
}
