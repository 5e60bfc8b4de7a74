/**
 * Which router a BMP session belongs to when its source address is not enough: routers behind one
 * NAT (a Kubernetes Service that source-NATs, a firewall) share an address. The router key
 * (`router` in records, tables and the API) is then told apart by the BMP Initiation sysName
 * (RFC 7854 §4.3, which the router must send first):
 *
 * - the first router seen at an address keeps the bare address as its key (so a router alone at
 *   its address is keyed exactly as before);
 * - a router with another sysName at an address already claimed is keyed `<address>/<sysName>`;
 * - a sysName that claimed a key keeps it for the life of the process, so reconnects land on the
 *   same key in any order; the inventory's (address, sysName) pairs are claimed first, so the bare
 *   address stays with the same router across collector restarts;
 * - two routers are never merged on a guess: when the bare key's owner has not said its sysName
 *   yet, a newcomer waits for it (bounded), and after that a newcomer with a sysName gets its own key.
 *
 * Routers at different addresses are different keys whatever their sysName (two `frr` or `sonic`
 * default hostnames stay two). Two routers with one sysName behind one address cannot be told apart
 * here: PROXY protocol (collector.proxyProtocol) gives each its own address.
 */

/** Longest a newcomer waits for the bare key's owner to send its Initiation. */
export const OWNER_WAIT_MS = 10_000;
/** Addresses remembered; past this the oldest are forgotten (a bounded map, not a leak). */
const MAX_ADDRESSES = 100_000;

interface AddressState {
  /** The sysName holding the bare address: a name, null (its router sent none), or pending. */
  owner: { readonly sysName: string | null } | 'pending';
  /** Resolves when a pending owner is settled. */
  settled?: Promise<void>;
  settle?: () => void;
  /** sysName → key, for the names that claimed a key at this address. */
  readonly keys: Map<string, string>;
}

/** A session keyed before its Initiation: it reports its sysName (or that it closed without one). */
export interface PendingOwner {
  readonly key: string;
  identified(sysName: string | null): void;
  /** The session ended; without an Initiation the address is free again. */
  closed(): void;
}

export class RouterIdentities {
  private readonly addresses = new Map<string, AddressState>();

  constructor(private readonly ownerWaitMs = OWNER_WAIT_MS) {}

  /** Claims the bare address for `sysName` ahead of any session (the inventory's routers). */
  seed(address: string, sysName: string): void {
    if (this.addresses.has(address)) return;
    this.remember(address, { owner: { sysName }, keys: new Map([[sysName, address]]) });
  }

  /** True when a new session from `address` must say its sysName before it is keyed. */
  known(address: string): boolean {
    return this.addresses.has(address);
  }

  /**
   * The first session from an address no one claimed: keyed by the address at once (no wait for
   * its first message); its Initiation settles who owns the address.
   */
  claimFirst(address: string): PendingOwner {
    let settle!: () => void;
    const settled = new Promise<void>((r) => (settle = r));
    const st: AddressState = { owner: 'pending', settled, settle, keys: new Map() };
    this.remember(address, st);
    let done = false;
    return {
      key: address,
      identified: (sysName) => {
        if (done) return;
        done = true;
        st.owner = { sysName };
        if (sysName !== null) st.keys.set(sysName, address);
        settle();
      },
      closed: () => {
        if (done) return;
        done = true;
        // It never said who it was: forget the address, so the next router to come claims it.
        if (this.addresses.get(address) === st && st.keys.size === 0) this.addresses.delete(address);
        else st.owner = { sysName: null };
        settle();
      },
    };
  }

  /** The key for a session from `address` whose Initiation carried `sysName` (null: none). */
  async resolve(address: string, sysName: string | null): Promise<string> {
    let st = this.addresses.get(address);
    if (st === undefined) {
      st = { owner: { sysName }, keys: new Map(sysName === null ? [] : [[sysName, address]]) };
      this.remember(address, st);
      return address;
    }
    if (sysName === null) return address; // nothing to tell it apart by
    const known = st.keys.get(sysName);
    if (known !== undefined) return known;
    if (st.owner === 'pending' && st.settled !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([st.settled, new Promise<void>((r) => (timer = setTimeout(r, this.ownerWaitMs)))]);
      clearTimeout(timer);
      // The owner may have claimed this very name meanwhile (the same router, reconnecting).
      const now = st.keys.get(sysName);
      if (now !== undefined) return now;
      if (this.addresses.get(address) !== st) return this.resolve(address, sysName);
    }
    // Another name than the owner's (or an owner that never said one): another router.
    const key = `${address}/${sysName}`;
    st.keys.set(sysName, key);
    return key;
  }

  private remember(address: string, st: AddressState): void {
    if (this.addresses.size >= MAX_ADDRESSES) {
      const oldest = this.addresses.keys().next();
      if (oldest.done !== true) this.addresses.delete(oldest.value);
    }
    this.addresses.set(address, st);
  }
}
