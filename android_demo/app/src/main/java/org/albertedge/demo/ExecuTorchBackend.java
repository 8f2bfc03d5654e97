package org.albertedge.demo;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.albertedge.core.Encoding;
import org.albertedge.core.Artifact;
import org.albertedge.core.Classification;
import org.albertedge.core.Tokenizer;
import org.albertedge.core.TokenizerBundle;
import org.albertedge.core.TokenizerException;
import org.pytorch.executorch.EValue;
import org.pytorch.executorch.Module;
import org.pytorch.executorch.Tensor;

/**
 * A {@code .pte} from {@code albert-edge convert}: constant methods {@code tokenizer_model} (uint8 tensor = the
 * spiece.model bytes), {@code tokenizer_config} (uint8 tensor = tokenizer.json), {@code max_seq_len}; forward methods
 * {@code forward} (longest length) and {@code forward_<L>} per extra length (docs/BUNDLE_FORMAT.md). Tokenization is
 * the pure-Java core (HF-identical ids), on the shortest length bucket that fits the text.
 */
final class ExecuTorchBackend implements Backend {
    private final Module module;
    private final TokenizerBundle bundle;
    private final Tokenizer tokenizer;
    private final int[] lengths;
    private final int maxLen;

    ExecuTorchBackend(File file) throws TokenizerException {
        Artifact.open(file); // integrity first: the .pte trailer sha256 and the manifest.json beside it, if any
        module = Module.load(file.getAbsolutePath());
        byte[] model = bytesOf(module.execute("tokenizer_model"));
        byte[] config = bytesOf(module.execute("tokenizer_config"));
        byte[] configSha = bytesOf(module.execute("bundle_sha256"));
        bundle = TokenizerBundle.fromPte(model, config, configSha, file.getPath());
        tokenizer = bundle.tokenizer();
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
    public Outcome classify(String text) {
        int needed = tokenizer.encode(text, 0, false).ids.length;
        int len = lengths[lengths.length - 1];
        for (int l : lengths) if (l >= needed) { len = l; break; } // shortest bucket that fits
        Encoding enc = tokenizer.encode(text, len, true);
        long[] ids = new long[len], mask = new long[len];
        for (int i = 0; i < len; i++) {
            ids[i] = enc.ids[i];
            mask[i] = enc.attentionMask[i];
        }
        long[] shape = {1, len};
        String method = len == maxLen ? "forward" : "forward_" + len;
        EValue[] out = module.execute(method, EValue.from(Tensor.fromBlob(ids, shape)),
                EValue.from(Tensor.fromBlob(mask, shape)));
        Classification c = Classification.of(out[0].toTensor().getDataAsFloatArray(), bundle.config.labels);
        return new Outcome(bundle.config.labels, c.probabilities, String.format(Locale.US, "tokens %d of %d%s",
                needed, len, enc.truncated ? " (truncated)" : ""));
    }

    @Override
    public String describe() {
        return "ExecuTorch + Java " + tokenizer.kind() + " tokenizer (vocab " + tokenizer.vocabSize() + "), lengths " + Arrays.toString(lengths)
                + ", labels " + bundle.config.labels;
    }

    @Override
    public void close() {
        module.destroy();
    }
}
