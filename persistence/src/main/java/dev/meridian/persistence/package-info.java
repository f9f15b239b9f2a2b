/**
 * One replica's documents on disk. {@link dev.meridian.persistence.DocStore} is what the peer
 * uses; {@link dev.meridian.persistence.MapDbDocStore} implements it with a checksummed journal
 * that acknowledges writes (group commit, {@link dev.meridian.persistence.Durability durable or
 * asynchronous}) and two MapDB files that take checkpoints from the journal in turn, so a crash at
 * any moment leaves one clean file to restore the other from; per document a snapshot plus a log
 * of deltas; and a dot index that answers the sync query ("which documents hold events outside
 * this context") in bounded memory. Damage that cannot be restored without losing an acknowledged
 * write stops the open with a {@link dev.meridian.persistence.StoreException} naming the file.
 */
package dev.meridian.persistence;
