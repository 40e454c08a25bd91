// mkdir -p for tree stores (SFTP, WebDAV): each remote folder is made once, however many uploads
// ask for it at the same time, and one a listing or a check saw is never made again. The store
// says how to make one folder; this says when.
export class FolderMemo {
  private dirs = new Map<string, Promise<void>>();

  /** A folder known to exist (listed, checked, just made by someone else). */
  known(abs: string) {
    this.dirs.set(abs, Promise.resolve());
  }

  /** A folder that may be gone (removed by the store). */
  forget(abs: string) {
    this.dirs.delete(abs);
  }

  /**
   * Makes `abs` unless known: waits for a parent being made by another call, then `make(parentWasPending)`
   * (a store tries the folder first, and makes the parent itself only when the parent was not
   * just being made). `parent` null: `abs` is the top and exists. A failure is forgotten, so a
   * later upload tries again.
   */
  ensure(abs: string, parent: string | null, make: (parentWasPending: boolean) => Promise<void>): Promise<void> {
    const known = this.dirs.get(abs);
    if (known) return known;
    if (parent === null) return Promise.resolve();
    const p = (async () => {
      const pending = this.dirs.get(parent);
      if (pending) await pending;
      await make(pending !== undefined);
    })();
    this.dirs.set(abs, p);
    p.catch(() => this.dirs.delete(abs));
    return p;
  }
}
