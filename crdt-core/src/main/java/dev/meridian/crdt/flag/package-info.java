/** The enable-wins flag. */
package dev.meridian.crdt.flag;
