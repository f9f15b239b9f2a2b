package dev.meridian.crdt.sequence;

import static dev.meridian.crdt.Preconditions.requireArgument;

import dev.meridian.crdt.CausalCrdt;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.store.DotSeq;

/**
 * A collaborative text: a sequence of characters (UTF-16 code units, as Java strings index them)
 * where every replica inserts and deletes at positions.
 *
 * <p>Each inserted character gets its own dot and remembers the characters it was typed between.
 * Concurrent inserts at one position do not interleave: a word typed by one replica stays in one
 * piece next to a word typed concurrently by another, in an order every replica agrees on (FugueMax;
 * ties by replica id). A delete removes the characters the deleter saw and mints a dot of its own;
 * an insert concurrent with it survives, next to where it was typed. Removed characters keep their
 * id and origins (no content), so inserts made beside them still find their place. Merge is the
 * sequence dot-store join: records are united and a character is removed if either side removed
 * it; a character that arrives before the one it was typed after waits for it.
 *
 * <p>Local edits are O(log n) and change this state in place (sequential typing is O(1)); the
 * returned delta holds just the edited run.
 *
 * @see DotSeq
 * @see <a href="https://arxiv.org/abs/2305.00583">Weidner, Kleppmann: The Art of the Fugue:
 *     Minimizing Interleaving in Collaborative Text Editing (2023)</a>
 */
public final class Text extends CausalCrdt<Text, DotSeq> {
  /** An empty text. */
  public Text() {
    this(DotSeq.newText(), new CausalContext(), false);
  }

  private Text(DotSeq store, CausalContext context, boolean keyed) {
    super(store, context, keyed);
  }

  /**
   * A text from decoded parts (codecs and storage); takes ownership of them.
   *
   * @throws IllegalArgumentException if {@code store} is not a text store
   */
  public static Text of(DotSeq store, CausalContext context, boolean keyed) {
    requireArgument(store.isText(), "not a text store");
    return new Text(store, context, keyed);
  }

  @Override
  protected Text create(DotSeq store, CausalContext context, boolean keyed) {
    return new Text(store, context, keyed);
  }

  /**
   * Inserts {@code chars} before the character at {@code index} (at the end if {@code index ==
   * length()}) as {@code replica}; returns the delta.
   *
   * @throws IndexOutOfBoundsException unless {@code 0 <= index <= length()}
   * @throws IllegalArgumentException if {@code chars} is empty
   */
  public Text insert(Replica replica, int index, CharSequence chars) {
    requireArgument(chars.length() > 0, "nothing to insert");
    if (index < 0 || index > store.size()) {
      throw new IndexOutOfBoundsException("index " + index + " out of bounds for length " + store.size());
    }
    Replica.Counters claimed = replica.claimCounters(context, chars.length());
    DotSeq delta = store.insertText(index, replica.id(), claimed.first(), chars);
    return appliedInPlace(replica.id(), claimed, null, delta);
  }

  /**
   * Deletes the {@code count} characters from {@code index} as {@code replica}; returns the delta.
   * A delete of nothing still mints a dot (every mutation is an event).
   *
   * @throws IllegalArgumentException unless the range lies within the text
   */
  public Text delete(Replica replica, int index, int count) {
    if (index < 0 || count < 0 || (long) index + count > store.size()) {
      requireArgument(false, "cannot delete %s characters at %s of %s", count, index, store.size());
    }
    Replica.Counters claimed = replica.claimCounters(context, 1);
    CausalContext removed = new CausalContext();
    DotSeq delta = store.delete(index, count, removed);
    return appliedInPlace(replica.id(), claimed, removed, delta);
  }

  /** The text. */
  public String value() {
    return store.text();
  }

  /** The number of characters. */
  public int length() {
    return (int) store.size();
  }
}
