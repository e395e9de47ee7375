/**
 * Runs writes one at a time, and folds the writes queued behind a running one into one: only the
 * newest state matters for a checkpoint, so a burst of saves costs at most two commits, and every
 * caller's promise settles once a write at least as new as theirs is durable.
 */
export class CoalescingWriter<T> {
  private tail: Promise<void> = Promise.resolve()
  private queued?: { value: T; done: Promise<void> }

  constructor(private readonly write: (value: T) => Promise<void>) {}

  push(value: T): Promise<void> {
    if (this.queued) {
      this.queued.value = value
      return this.queued.done
    }
    const slot: { value: T; done: Promise<void> } = { value, done: Promise.resolve() }
    slot.done = this.tail
      .catch(() => {})
      .then(() => {
        // From here on a new push must queue behind this write, not change what it writes.
        if (this.queued === slot) this.queued = undefined
        return this.write(slot.value)
      })
    this.queued = slot
    this.tail = slot.done
    return slot.done
  }

  /** Settles when every write pushed so far has run (failures are reported to their callers). */
  idle(): Promise<void> {
    return this.tail.catch(() => {})
  }
}
