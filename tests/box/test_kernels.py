"""Notebook cells in every kernel the server lists, through its REST API and kernel websocket, as the browser
runs them."""

from __future__ import annotations

import os

import pytest
from boxlib import ENVS_DIR, Box, Kernel

# The kernels the box must have: one per environment that runs without a GPU (MLBOX_BOX_KERNELS, comma-separated).
EXPECTED_KERNELS = os.environ.get("MLBOX_BOX_KERNELS", "base,h2o,pytorch,tensorflow")
# H2O's service on the box (MLBOX_BOX_H2O_PORT; the box's default is H2O's own, 54321).
H2O_PORT = int(os.environ.get("MLBOX_BOX_H2O_PORT") or 54321)

# The main imports and a small computation for each environment the box makes, by environment name; other
# environments get only the sys.executable check.
CELLS = {
    "base": [
        ("import numpy, pandas, matplotlib, sklearn; print(numpy.__version__, pandas.__version__, "
         "matplotlib.__version__, sklearn.__version__)", None),
        ("import numpy as np; print(int(np.arange(10).sum()))", "45"),
        ("import pandas as pd; print(int(pd.DataFrame({'a': [1, 2, 3]})['a'].sum()))", "6"),
        ("import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt; "
         "plt.plot([1, 2]); print('plotted')", "plotted"),
        ("from sklearn.linear_model import LinearRegression; "
         "print(round(float(LinearRegression().fit([[0], [1], [2]], [1, 3, 5]).coef_[0]), 6))", "2.0"),
    ],
    "pytorch": [
        ("import torch; print(torch.__version__)", None),
        ("import torch; print((torch.tensor([1.0, 2.0]) + torch.tensor([3.0, 4.0])).tolist())", "[4.0, 6.0]"),
    ],
    "tensorflow": [
        ("import tensorflow as tf; print(tf.__version__)", None),
        ("import tensorflow as tf; print(tf.add(tf.constant([1, 2]), tf.constant([3, 4])).numpy().tolist())", "[4, 6]"),
    ],
    "h2o": [
        ("import h2o; print(h2o.__version__)", None),
        # The client against the box's own H2O service (never a new local instance: h2o.connect starts none).
        (f"import h2o; h2o.connect(url='http://127.0.0.1:{H2O_PORT}', verbose=False); "
         "print(h2o.cluster().cloud_healthy)", "True"),
    ],
}


def test_every_cpu_row_has_its_kernel(box: Box) -> None:
    expected = {name.strip() for name in EXPECTED_KERNELS.split(",") if name.strip()}
    missing = sorted(expected - set(box.kernelspecs))
    assert not missing, f"kernels missing from the server's list {sorted(box.kernelspecs)}: {missing}"


def test_kernel_runs_its_environment(box: Box, kernel_name: str, kernel: Kernel) -> None:
    """sys.executable is an environment's Python: the one the spec names when its argv is a path there."""
    env, cell = kernel.environment()
    assert env, f"kernel {kernel_name} does not run a Python of {ENVS_DIR}: {cell.output}"
    spec_env = box.env_of(kernel_name)
    if spec_env:
        assert env == spec_env, f"kernel {kernel_name} names {ENVS_DIR}/{spec_env} but runs {cell.output}"


def test_kernel_imports_and_computes(box: Box, kernel_name: str, kernel: Kernel) -> None:
    """The environment's main imports and a small computation, chosen by the kernel spec's name (or its
    environment's); a kernel of another name has only the sys.executable check above."""
    cells = CELLS.get(kernel_name) or CELLS.get(box.env_of(kernel_name) or "")
    if not cells:
        pytest.skip(f"no cells known for kernel {kernel_name}; sys.executable is checked")
    for code, expected in cells:
        cell = kernel.execute(code)
        assert cell.ok, f"kernel {kernel_name}: {cell.output}"
        assert cell.stdout.strip(), f"kernel {kernel_name}: nothing printed: {cell.output}"
        if expected is not None:
            # The last line: libraries may warn first (H2O's client about its release's age, which it judges offline).
            last = cell.stdout.strip().splitlines()[-1]
            assert last == expected, f"kernel {kernel_name}: expected {expected!r}: {cell.output}"
