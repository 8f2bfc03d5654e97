package org.albertedge.core;

import java.util.List;

/** Logits → probabilities (numerically stable softmax) → the winning label. */
public final class Classification {
    public final float[] probabilities;
    public final int best;
    public final String label;

    private Classification(float[] probabilities, int best, String label) {
        this.probabilities = probabilities;
        this.best = best;
        this.label = label;
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
        float[] p = softmax(logits);
        int best = 0;
        for (int i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
        return new Classification(p, best, labelName(best, labels));
    }

    public static String labelName(int index, List<String> labels) {
        return labels != null && index < labels.size() ? labels.get(index) : "label_" + index;
    }
}
