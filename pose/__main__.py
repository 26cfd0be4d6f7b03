"""``python -m pose`` (and ``torchrun --nproc_per_node=N -m pose run ...``)."""
from .cli import main

raise SystemExit(main())
