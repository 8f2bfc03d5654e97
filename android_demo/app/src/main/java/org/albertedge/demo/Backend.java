package org.albertedge.demo;

import java.io.Closeable;
import org.albertedge.core.TokenizerBundle;

/** One loaded artifact: its tokenizer (read from inside the artifact) and a forward pass ids+mask → logits. */
interface Backend extends Closeable {
    /** The spiece.model + tokenizer.json the artifact carries. */
    TokenizerBundle tokenizerBundle();

    /** The fixed sequence lengths the artifact was exported with (ascending). */
    int[] sequenceLengths();

    /** Logits for one sequence already padded to one of {@link #sequenceLengths()}. */
    float[] run(int[] inputIds, int[] attentionMask) throws Exception;

    String describe();

    @Override
    void close();
}
