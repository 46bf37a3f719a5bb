# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Train a tiny GBM on a running H2O server from its Python client (the h2o role's tasks/verify.yml).

Usage: <h2o env>/bin/python h2o_gbm_check.py URL VERSION
Prints, last, one line (server version, cloud, trees, training AUC) and exits 0, or exits non-zero with the
reason. (The client prints more: warnings before it, such as one about the age of the release, and
"Closing connection ..." when it exits.)
It removes the frame and the model it made; nothing else on the server is touched.
"""

import sys

import h2o
from h2o.estimators import H2OGradientBoostingEstimator

FRAME = "mlbox_verify_gbm_frame"
MODEL = "mlbox_verify_gbm"


def train(version):
    cluster = h2o.cluster()
    if cluster.version != version:
        return None, f"the server is H2O {cluster.version}, not {version}"
    # Two well-separated classes: a few shallow trees separate them.
    rows = 40
    frame = h2o.H2OFrame(
        {
            "x1": [float(i % 10) for i in range(rows)],
            "x2": [float(i) for i in range(rows)],
            "y": ["yes" if i >= rows // 2 else "no" for i in range(rows)],
        },
        destination_frame=FRAME,
    )
    frame["y"] = frame["y"].asfactor()
    model = H2OGradientBoostingEstimator(model_id=MODEL, ntrees=5, max_depth=2, min_rows=1, seed=1)
    model.train(x=["x1", "x2"], y="y", training_frame=frame)
    auc = model.auc()
    trees = int(model.summary()["number_of_trees"][0])
    line = (
        f"H2O {cluster.version}, cloud {cluster.cloud_name} ({cluster.cloud_size} node(s)): GBM trained, "
        f"{trees} trees, training AUC {auc:.3f}"
    )
    return line, None if auc > 0.9 else f"the GBM's training AUC is {auc:.3f}, expected above 0.9"


def main(url, version):
    h2o.connect(url=url, verbose=False)
    h2o.no_progress()
    try:
        line, problem = train(version)
    finally:
        for key in (MODEL, FRAME):
            try:
                h2o.remove(key)
            except Exception:  # a key the run did not get to make
                pass
    if line:
        print(line)
    return problem or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
