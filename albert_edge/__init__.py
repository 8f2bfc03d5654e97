"""albert-edge: distill, quantize, convert and benchmark ALBERT text models for phones and ARM boards."""

import os

__version__ = "0.1.0"

# Before torch loads OpenMP: on a shared CPU (CI, laptops, 2-core boxes) spinning OpenMP workers made 2-thread
# training up to 30x slower. Passive waiting costs little on an idle machine; set the variable to override.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
