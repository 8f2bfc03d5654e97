"""Run MediaPipe's TextClassifier on a .tflite, one JSON object per input line on stdout. Standalone: it runs inside
the venv that holds mediapipe (which pins its own numpy/protobuf), so it imports nothing from albert-edge.

    python mediapipe_classify.py MODEL.tflite TEXTS.txt      # TEXTS: UTF-8, one text per line ("\\n" only)

Each output line: {"probability": {label: score, ...}, "heads": [head names]} — the first head's scores.
"""

import json
import sys


def main() -> None:
    from mediapipe.tasks.python import text
    from mediapipe.tasks.python.core.base_options import BaseOptions

    model, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8", newline="") as f:
        texts = f.read().split("\n")[:-1]
    options = text.TextClassifierOptions(base_options=BaseOptions(model_asset_path=model))
    try:
        classifier = text.TextClassifier.create_from_options(options)
    except Exception as e:  # noqa: BLE001 - MediaPipe raises RuntimeError/ValueError with its status text
        sys.stderr.write(f"mediapipe refused {model}: {str(e).strip().splitlines()[0] if str(e).strip() else e!r}\n")
        sys.exit(3)
    with classifier:
        for t in texts:
            heads = classifier.classify(t).classifications
            scores = {c.category_name: c.score for c in heads[0].categories}
            print(json.dumps({"probability": scores, "heads": [h.head_name for h in heads]}), flush=True)


if __name__ == "__main__":
    main()
