package org.albertedge.demo;

import java.io.Closeable;
import java.util.List;

/** One loaded artifact that turns a text into class probabilities. */
interface Backend extends Closeable {
    /** Class probabilities of one text, in label order, plus what the result screen shows about the input. */
    final class Outcome {
        final List<String> labels;
        final float[] probabilities;
        final String detail;

        Outcome(List<String> labels, float[] probabilities, String detail) {
            this.labels = labels;
            this.probabilities = probabilities;
            this.detail = detail;
        }
    }

    Outcome classify(String text) throws Exception;

    String describe();

    @Override
    void close();
}
