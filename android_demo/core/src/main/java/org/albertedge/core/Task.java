package org.albertedge.core;

/**
 * The tasks of albert_edge/tasks.py, named as the bundle JSON's and the manifest's {@code task} field names them:
 * which output an artifact has and which post-processing turns it into a result.
 */
public enum Task {
    /** logits {@code [1, C]} → {@link Classification}. */
    SEQUENCE_CLASSIFICATION("sequence-classification", false),
    /** logits {@code [1, L, C]} → {@link TokenTagging}. */
    TOKEN_CLASSIFICATION("token-classification", true);

    public final String id;
    /** Logits per token ({@code [1, L, C]}) rather than per text. */
    public final boolean perToken;

    Task(String id, boolean perToken) {
        this.id = id;
        this.perToken = perToken;
    }

    static String[] ids() {
        Task[] all = values();
        String[] out = new String[all.length];
        for (int i = 0; i < all.length; i++) out[i] = all[i].id;
        return out;
    }

    /**
     * The result of one text: {@code logits} is the artifact's output for it, flattened ({@code [1, C]} or
     * {@code [1, L, C]}); {@code vocabulary} maps ids to pieces (per-token tasks only, see {@link Vocabulary}).
     */
    public Result postprocess(Encoding enc, String[] vocabulary, float[] logits, java.util.List<String> labels,
                              String text) {
        if (!perToken) return Classification.of(logits, labels, enc.truncated);
        String[] pieces = new String[enc.ids.length];
        for (int i = 0; i < pieces.length; i++) pieces[i] = vocabulary[enc.ids[i]];
        return TokenTagging.of(enc, pieces, logits, labels, text);
    }

    public static Task of(String id, String where) throws TokenizerException {
        for (Task t : values()) if (t.id.equals(id)) return t;
        throw new TokenizerException(where + ": task \"" + id + "\" is not one this app runs ("
                + String.join(", ", ids()) + "); update the app");
    }
}
