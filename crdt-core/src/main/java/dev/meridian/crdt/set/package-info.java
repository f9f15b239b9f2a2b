/** The add-wins set of scalars. */
package dev.meridian.crdt.set;
