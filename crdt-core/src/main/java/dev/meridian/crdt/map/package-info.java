/** The observed-remove map with typed keys and nested values. */
package dev.meridian.crdt.map;
