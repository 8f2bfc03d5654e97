package org.albertedge.core;

/** The post-processed output of one text: {@link Classification} or {@link TokenTagging}, by the bundle's task. */
public interface Result {
    /** What albert-edge {@code predict --json} prints for the text (same keys and values). */
    String toJson();
}
