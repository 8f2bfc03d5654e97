package org.albertedge.core;

import java.util.List;

/** Sequence classification: logits → probabilities (numerically stable softmax) → the winning label. */
public final class Classification implements Result {
    public final float[] logits;
    public final float[] probabilities;
    public final int best;
    public final String label;
    /** The text was cut to the sequence length. */
    public final boolean truncated;

    private Classification(float[] logits, float[] probabilities, int best, String label, boolean truncated) {
        this.logits = logits;
        this.probabilities = probabilities;
        this.best = best;
        this.label = label;
        this.truncated = truncated;
    }

    public static float[] softmax(float[] logits) {
        if (logits.length == 0) throw new IllegalArgumentException("no logits");
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) max = Math.max(max, v);
        double[] e = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            e[i] = Math.exp(logits[i] - max);
            sum += e[i];
        }
        float[] out = new float[logits.length];
        for (int i = 0; i < logits.length; i++) out[i] = (float) (e[i] / sum);
        return out;
    }

    /** Label names from tokenizer.json; {@code label_<i>} where it has none (or too few). */
    public static Classification of(float[] logits, List<String> labels) {
        return of(logits, labels, false);
    }

    public static Classification of(float[] logits, List<String> labels, boolean truncated) {
        float[] p = softmax(logits);
        int best = 0;
        for (int i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
        return new Classification(logits.clone(), p, best, labelName(best, labels), truncated);
    }

    @Override
    public String toJson() {
        return "{\"label\": " + Json.quote(label) + ", \"probs\": " + Json.floatArray(probabilities) + ", \"logits\": "
                + Json.floatArray(logits) + ", \"truncated\": " + truncated + "}";
    }

    public static String labelName(int index, List<String> labels) {
        return labels != null && index < labels.size() ? labels.get(index) : "label_" + index;
    }
}
