# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A cuDF dataframe operation and a cuML fit on the GPU (the rapids role's tasks/verify.yml).

Usage: <rapids env>/bin/python rapids_check.py
Prints one line (versions, GPU, results) and exits 0, or fails with the reason.
"""

import sys

import cudf
import cuml
import cupy
from cuml.linear_model import LinearRegression


def main():
    frame = cudf.DataFrame({"key": [1, 1, 2, 2, 3], "value": [1.0, 2.0, 3.0, 4.0, 5.0]})
    sums = frame.groupby("key")["value"].sum().sort_index().to_pandas().tolist()
    if sums != [3.0, 7.0, 5.0]:
        return f"cuDF groupby-sum gave {sums}, expected [3.0, 7.0, 5.0]"

    rows = 1000
    x = cudf.DataFrame({"x": cupy.arange(rows, dtype=cupy.float64)})
    y = cudf.Series(cupy.arange(rows, dtype=cupy.float64) * 2.0 + 1.0)
    model = LinearRegression().fit(x, y)
    with cuml.using_output_type("numpy"):
        slope = float(model.coef_.ravel()[0])
        intercept = float(model.intercept_)
    if abs(slope - 2.0) > 1e-3 or abs(intercept - 1.0) > 1e-3:
        return f"cuML LinearRegression found y = {slope} x + {intercept}, expected y = 2 x + 1"

    device = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)["name"]
    device = device.decode() if isinstance(device, bytes) else device
    print(
        f"cudf {cudf.__version__}, cuml {cuml.__version__} on {device}: groupby-sum {sums}, "
        f"LinearRegression y = {slope:.3f} x + {intercept:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
