package org.albertedge.demo;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import org.albertedge.core.TokenizerBundle;
import org.albertedge.core.TokenizerException;
import org.tensorflow.lite.Interpreter;

/**
 * A {@code .tflite} from {@code albert-edge convert}: signature {@code serving_default}, inputs {@code input_ids},
 * {@code attention_mask} (int32 [1, L]), output {@code logits}; the tokenizer is the stored zip appended to the
 * flatbuffer (spiece.model + tokenizer.json), read by the pure-Java core.
 */
final class LiteRtBackend implements Backend {
    private static final String SIGNATURE = "serving_default";
    private final Interpreter interpreter;
    private final TokenizerBundle bundle;
    private final int seqLen, numLabels;
    private final String inputIds, attentionMask, output;

    LiteRtBackend(File file, int threads) throws IOException, TokenizerException {
        byte[] bytes = Files.readAllBytes(file.toPath());
        bundle = TokenizerBundle.fromTflite(bytes);
        Interpreter.Options options = new Interpreter.Options().setNumThreads(threads);
        interpreter = new Interpreter(file, options);
        inputIds = bundle.config.inputs.get(0);
        attentionMask = bundle.config.inputs.size() > 1 ? bundle.config.inputs.get(1) : "attention_mask";
        output = bundle.config.output;
        seqLen = interpreter.getInputTensorFromSignature(inputIds, SIGNATURE).shape()[1];
        int[] outShape = interpreter.getOutputTensorFromSignature(output, SIGNATURE).shape();
        numLabels = outShape[outShape.length - 1];
    }

    @Override
    public TokenizerBundle tokenizerBundle() {
        return bundle;
    }

    @Override
    public int[] sequenceLengths() {
        return new int[] {seqLen};
    }

    @Override
    public float[] run(int[] ids, int[] mask) {
        Map<String, Object> inputs = new HashMap<>();
        inputs.put(inputIds, new int[][] {ids});
        inputs.put(attentionMask, new int[][] {mask});
        float[][] logits = new float[1][numLabels];
        Map<String, Object> outputs = new HashMap<>();
        outputs.put(output, logits);
        interpreter.runSignature(inputs, outputs, SIGNATURE);
        return logits[0];
    }

    @Override
    public String describe() {
        return "LiteRT, length " + seqLen + ", labels " + bundle.config.labels;
    }

    @Override
    public void close() {
        interpreter.close();
    }
}
