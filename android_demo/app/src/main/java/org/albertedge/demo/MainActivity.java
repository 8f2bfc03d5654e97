package org.albertedge.demo;

import android.app.Activity;
import android.content.Intent;
import android.database.Cursor;
import android.net.Uri;
import android.os.Bundle;
import android.os.Handler;
import android.os.Looper;
import android.provider.OpenableColumns;
import android.widget.ArrayAdapter;
import android.widget.Button;
import android.widget.EditText;
import android.widget.RadioGroup;
import android.widget.Spinner;
import android.widget.TextView;
import android.widget.AdapterView;
import android.view.View;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.albertedge.core.Classification;

/**
 * One screen: pick the backend (ExecuTorch / LiteRT), an artifact (bundled in assets or opened from storage), type
 * text, classify. Shows the label, every probability, and latency (first run, median of warm runs, each including
 * tokenization). ExecuTorch: the pure-Java core tokenizes with the tokenizer carried inside the .pte. LiteRT: MediaPipe's
 * TextClassifier runs the .tflite as it is, from its TFLite Model Metadata.
 */
public class MainActivity extends Activity {
    private static final int PICK_FILE = 1;
    private static final int WARM_RUNS = 10;

    private final ExecutorService worker = Executors.newSingleThreadExecutor();
    private final Handler main = new Handler(Looper.getMainLooper());
    private final List<File> models = new ArrayList<>();
    private ArrayAdapter<String> adapter;
    private Backend backend;
    private File loaded;

    private RadioGroup backendGroup;
    private Spinner modelSpinner;
    private TextView info, result;
    private EditText text;

    @Override
    protected void onCreate(Bundle state) {
        super.onCreate(state);
        setContentView(R.layout.activity_main);
        backendGroup = findViewById(R.id.backend);
        modelSpinner = findViewById(R.id.model);
        info = findViewById(R.id.model_info);
        result = findViewById(R.id.result);
        text = findViewById(R.id.text);
        adapter = new ArrayAdapter<>(this, android.R.layout.simple_spinner_dropdown_item, new ArrayList<>());
        modelSpinner.setAdapter(adapter);
        backendGroup.setOnCheckedChangeListener((g, id) -> refreshModels());
        modelSpinner.setOnItemSelectedListener(new AdapterView.OnItemSelectedListener() {
            @Override
            public void onItemSelected(AdapterView<?> parent, View view, int position, long id) {
                load(models.get(position));
            }

            @Override
            public void onNothingSelected(AdapterView<?> parent) {}
        });
        ((Button) findViewById(R.id.pick)).setOnClickListener(v -> {
            Intent i = new Intent(Intent.ACTION_OPEN_DOCUMENT).addCategory(Intent.CATEGORY_OPENABLE).setType("*/*");
            startActivityForResult(i, PICK_FILE);
        });
        ((Button) findViewById(R.id.classify)).setOnClickListener(v -> classify(text.getText().toString()));
        worker.execute(() -> {
            copyBundledAssets();
            main.post(this::refreshModels);
        });
    }

    private String extension() {
        return backendGroup.getCheckedRadioButtonId() == R.id.backend_litert ? ".tflite" : ".pte";
    }

    /** Bundled artifacts are copied once to private storage: ExecuTorch loads from a path, LiteRT maps a file. */
    private void copyBundledAssets() {
        try {
            String[] names = getAssets().list("");
            if (names == null) return;
            for (String name : names) {
                if (!name.endsWith(".pte") && !name.endsWith(".tflite")) continue;
                File dst = new File(getFilesDir(), name);
                if (dst.isFile()) continue;
                try (InputStream in = getAssets().open(name)) {
                    copy(in, dst);
                }
            }
        } catch (IOException e) {
            main.post(() -> info.setText("cannot copy bundled models: " + e.getMessage()));
        }
    }

    private void refreshModels() {
        models.clear();
        adapter.clear();
        File[] files = getFilesDir().listFiles((d, n) -> n.endsWith(extension()));
        if (files != null) {
            Arrays.sort(files);
            for (File f : files) {
                models.add(f);
                adapter.add(f.getName() + String.format(Locale.US, "  (%.1f MB)", f.length() / 1e6));
            }
        }
        adapter.notifyDataSetChanged();
        if (models.isEmpty()) {
            info.setText("No " + extension() + " artifact: bundle one in app/src/main/assets or open one from storage.");
        }
    }

    private void load(File file) {
        if (file.equals(loaded)) return;
        info.setText("loading " + file.getName() + " …");
        worker.execute(() -> {
            try {
                if (backend != null) backend.close();
                backend = null;
                long t0 = System.nanoTime();
                Backend b = file.getName().endsWith(".tflite") ? new MediaPipeBackend(this, file)
                        : new ExecuTorchBackend(file);
                double ms = (System.nanoTime() - t0) / 1e6;
                backend = b;
                loaded = file;
                main.post(() -> info.setText(String.format(Locale.US, "%s\n%s\nloaded in %.0f ms",
                        file.getName(), b.describe(), ms)));
            } catch (Throwable e) { // a bad artifact must not crash the demo
                loaded = null;
                main.post(() -> info.setText("cannot load " + file.getName() + ": " + e.getMessage()));
            }
        });
    }

    private void classify(String input) {
        result.setText("…");
        worker.execute(() -> {
            Backend b = backend;
            if (b == null) {
                main.post(() -> result.setText("load a model first"));
                return;
            }
            try {
                long t0 = System.nanoTime();
                Backend.Outcome o = b.classify(input);
                double firstMs = (System.nanoTime() - t0) / 1e6;
                double[] warm = new double[WARM_RUNS];
                for (int i = 0; i < WARM_RUNS; i++) {
                    long t = System.nanoTime();
                    b.classify(input);
                    warm[i] = (System.nanoTime() - t) / 1e6;
                }
                Arrays.sort(warm);
                int best = 0;
                for (int i = 1; i < o.probabilities.length; i++) if (o.probabilities[i] > o.probabilities[best]) best = i;
                StringBuilder s = new StringBuilder();
                s.append("label: ").append(Classification.labelName(best, o.labels)).append('\n');
                for (int i = 0; i < o.probabilities.length; i++) {
                    s.append(String.format(Locale.US, "  %-12s %6.2f%%%n",
                            Classification.labelName(i, o.labels), 100 * o.probabilities[i]));
                }
                s.append(o.detail).append('\n');
                s.append(String.format(Locale.US, "first run %.1f ms, median of %d warm runs %.1f ms (tokenization included)",
                        firstMs, WARM_RUNS, warm[WARM_RUNS / 2]));
                main.post(() -> result.setText(s.toString()));
            } catch (Throwable e) {
                main.post(() -> result.setText("inference failed: " + e));
            }
        });
    }

    @Override
    protected void onActivityResult(int requestCode, int resultCode, Intent data) {
        super.onActivityResult(requestCode, resultCode, data);
        if (requestCode != PICK_FILE || resultCode != RESULT_OK || data == null || data.getData() == null) return;
        Uri uri = data.getData();
        String name = displayName(uri);
        if (!name.endsWith(".pte") && !name.endsWith(".tflite")) {
            info.setText(name + ": not a .pte or .tflite artifact");
            return;
        }
        worker.execute(() -> {
            File dst = new File(getFilesDir(), name);
            try (InputStream in = getContentResolver().openInputStream(uri)) {
                copy(in, dst);
                main.post(() -> {
                    backendGroup.check(name.endsWith(".tflite") ? R.id.backend_litert : R.id.backend_executorch);
                    refreshModels();
                    int i = models.indexOf(dst);
                    if (i >= 0) modelSpinner.setSelection(i);
                });
            } catch (IOException e) {
                main.post(() -> info.setText("cannot open " + name + ": " + e.getMessage()));
            }
        });
    }

    private String displayName(Uri uri) {
        try (Cursor c = getContentResolver().query(uri, new String[] {OpenableColumns.DISPLAY_NAME}, null, null, null)) {
            if (c != null && c.moveToFirst()) return new File(c.getString(0)).getName();
        }
        return "picked" + (uri.getLastPathSegment() == null ? "" : uri.getLastPathSegment());
    }

    private static void copy(InputStream in, File dst) throws IOException {
        File tmp = new File(dst.getPath() + ".part");
        try (OutputStream out = new FileOutputStream(tmp)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) out.write(buf, 0, n);
        }
        if (!tmp.renameTo(dst)) throw new IOException("cannot write " + dst);
    }

    @Override
    protected void onDestroy() {
        worker.execute(() -> {
            if (backend != null) backend.close();
        });
        worker.shutdown();
        super.onDestroy();
    }
}
