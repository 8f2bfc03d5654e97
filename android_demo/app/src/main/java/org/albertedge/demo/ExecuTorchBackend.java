package org.albertedge.demo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.albertedge.core.TokenizerBundle;
import org.albertedge.core.TokenizerException;
import org.pytorch.executorch.EValue;
import org.pytorch.executorch.Module;
import org.pytorch.executorch.Tensor;

/**
 * A {@code .pte} from {@code albert-edge convert}: constant methods {@code tokenizer_model} (uint8 tensor = the
 * spiece.model bytes), {@code tokenizer_config} (uint8 tensor = tokenizer.json), {@code max_seq_len}; forward methods
 * {@code forward} (longest length) and {@code forward_<L>} per extra length (docs/BUNDLE_FORMAT.md).
 */
final class ExecuTorchBackend implements Backend {
    private final Module module;
    private final TokenizerBundle bundle;
    private final int[] lengths;
    private final int maxLen;

    ExecuTorchBackend(String path) throws TokenizerException {
        module = Module.load(path);
        byte[] model = bytesOf(module.execute("tokenizer_model"));
        byte[] config = bytesOf(module.execute("tokenizer_config"));
        bundle = TokenizerBundle.of(model, config);
        int fromPte = (int) module.execute("max_seq_len")[0].toInt();
        maxLen = bundle.config.maxSeqLen(fromPte);
        List<Integer> ls = new ArrayList<>(bundle.config.seqLens);
        if (ls.isEmpty()) ls.add(maxLen);
        lengths = ls.stream().mapToInt(Integer::intValue).sorted().distinct().toArray();
    }

    private static byte[] bytesOf(EValue[] out) {
        Tensor t = out[0].toTensor();
        return t.getDataAsUnsignedByteArray();
    }

    @Override
    public TokenizerBundle tokenizerBundle() {
        return bundle;
    }

    @Override
    public int[] sequenceLengths() {
        return lengths.clone();
    }

    @Override
    public float[] run(int[] inputIds, int[] attentionMask) {
        int len = inputIds.length;
        long[] ids = new long[len], mask = new long[len];
        for (int i = 0; i < len; i++) {
            ids[i] = inputIds[i];
            mask[i] = attentionMask[i];
        }
        long[] shape = {1, len};
        String method = len == maxLen ? "forward" : "forward_" + len;
        EValue[] out = module.execute(method, EValue.from(Tensor.fromBlob(ids, shape)),
                EValue.from(Tensor.fromBlob(mask, shape)));
        return out[0].toTensor().getDataAsFloatArray();
    }

    @Override
    public String describe() {
        return "ExecuTorch, lengths " + Arrays.toString(lengths) + ", labels " + bundle.config.labels;
    }

    @Override
    public void close() {
        module.destroy();
    }
}
