package org.albertedge.demo;

import android.content.Context;
import com.google.mediapipe.tasks.components.containers.Category;
import com.google.mediapipe.tasks.components.containers.Classifications;
import com.google.mediapipe.tasks.core.BaseOptions;
import com.google.mediapipe.tasks.text.textclassifier.TextClassifier;
import com.google.mediapipe.tasks.text.textclassifier.TextClassifierResult;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import org.albertedge.core.Artifact;
import org.albertedge.core.TokenizerException;

/**
 * A {@code .tflite} from {@code albert-edge convert}, run by MediaPipe's {@code TextClassifier} (tasks-text) as it is:
 * the file's TFLite Model Metadata names the inputs ({@code ids}, {@code mask}, {@code segment_ids}), the SentencePiece
 * tokenizer and the labels, all carried inside it; MediaPipe tokenizes, runs LiteRT and reads the first output head,
 * {@code probability} (docs/BUNDLE_FORMAT.md). No glue of ours: what a developer gets with the standard API.
 */
final class MediaPipeBackend implements Backend {
    private final TextClassifier classifier;
    private final String name;

    MediaPipeBackend(Context context, File file) throws IOException, TokenizerException {
        name = file.getName();
        Artifact.open(file); // integrity first: checksums.json + zip CRCs, and the manifest.json beside it, if any
        MappedByteBuffer model;
        try (RandomAccessFile raf = new RandomAccessFile(file, "r"); FileChannel ch = raf.getChannel()) {
            model = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()); // a direct buffer, as MediaPipe requires
        }
        TextClassifier.TextClassifierOptions options = TextClassifier.TextClassifierOptions.builder()
                .setBaseOptions(BaseOptions.builder().setModelAssetBuffer(model).build())
                .build();
        try {
            classifier = TextClassifier.createFromOptions(context, options);
        } catch (RuntimeException e) { // e.g. "... require TFLite Model Metadata but none was found"
            String why = e.getMessage() == null ? e.toString() : e.getMessage().split("\n", 2)[0];
            throw new IOException(name + ": MediaPipe cannot load it (" + why + "); a .tflite needs the TFLite Model"
                    + " Metadata that albert-edge convert writes — convert it again");
        }
    }

    @Override
    public Outcome classify(String text) {
        TextClassifierResult result = classifier.classify(text);
        Classifications head = result.classificationResult().classifications().get(0);
        List<Category> categories = head.categories();
        int n = 0;
        for (Category c : categories) n = Math.max(n, c.index() + 1);
        String[] labels = new String[n];
        float[] probs = new float[n];
        for (Category c : categories) { // MediaPipe sorts by score; put them back in label order
            labels[c.index()] = c.categoryName();
            probs[c.index()] = c.score();
        }
        List<String> names = new ArrayList<>();
        for (String l : labels) names.add(l == null ? "" : l);
        return new Outcome(names, probs, "tokenized by MediaPipe (head '" + head.headName().orElse("?") + "')");
    }

    @Override
    public String describe() {
        return "MediaPipe TextClassifier (LiteRT inside), " + name;
    }

    @Override
    public void close() {
        classifier.close();
    }
}
