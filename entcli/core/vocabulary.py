"""The core's vocabulary: the names of its estimators, measures, objectives, reductions and solvers.

Each registry is defined once, here, with the formula each name stands for; the modules that compute them
dispatch on these names and the command line offers exactly these choices. This module imports nothing, so
building a command (or its ``--help``) loads no NumPy.
"""

from __future__ import annotations

#: Entropy estimators from counts y (n = Σ y), in ``entcli entropy --estimator``'s order.
ESTIMATORS: dict[str, str] = {
    "plugin": "H(y/n)",
    "miller-madow": "H(y/n) + (m - 1)/(2n), m = bins with y_k > 0",
    "jeffreys": "H((y + a)/(n + K a)), a = 1/2",
    "laplace": "H((y + a)/(n + K a)), a = 1",
    "perks": "H((y + a)/(n + K a)), a = 1/K",
    "minimax": "H((y + a)/(n + K a)), a = sqrt(n)/K",
    "dirichlet": "H((y + a)/(n + K a)), a the given pseudocount",
    "chao-shen": "-sum p_a log p_a / (1 - (1 - p_a)^n), p_a = (1 - f1/n) y/n",
    "james-stein": "H(lambda/K + (1 - lambda) y/n), lambda the James-Stein shrinkage intensity",
}
#: The estimators that are the plug-in entropy of Dirichlet pseudocounts.
PSEUDOCOUNT_ESTIMATORS = ("jeffreys", "laplace", "perks", "minimax", "dirichlet")

#: The KL family's per-row fields (``entcli kl``'s, :func:`entcli.core.divergence.divergence_summary`'s), in order.
KL_FIELDS = ("kl", "reverse_kl", "symmetric_kl", "js_divergence", "js_distance", "cross_entropy", "entropy_p")

#: Divergences and distances beside the KL family: name -> output field.
MEASURES: dict[str, str] = {
    "tv": "total_variation",
    "hellinger": "hellinger",
    "bhattacharyya-coefficient": "bhattacharyya_coefficient",
    "bhattacharyya": "bhattacharyya_distance",
    "pearson": "chi2_pearson",
    "neyman": "chi2_neyman",
    "renyi": "renyi_divergence",
}

#: Objectives differentiated with respect to logits z (``grad --of``, ``simulate --objective``).
OBJECTIVES: dict[str, str] = {
    "entropy": "f = H(softmax(z)), grad = -p (log p + H)",
    "xent": "f = H(y, softmax(z)), grad = softmax(z) - y",
    "kd": "f = H(softmax(v/T), softmax(z/T)), grad = (1/T)(softmax(z/T) - softmax(v/T))",
}

#: How per-row losses combine over a batch (PyTorch's ``reduction``).
REDUCTIONS: dict[str, str] = {
    "none": "one result per row",
    "mean": "sum of losses / sum of row weights",
    "sum": "sum of losses",
}

#: Solvers of the power transform to a target entropy (``normalize --method``).
NORMALIZE_METHODS: dict[str, str] = {
    "robust": "bracketed Newton on gamma with bisection fallback",
    "published": "the published iteration gamma <- 1 + (H* - H)/(H^2 - sum p (log p)^2), unguarded",
}

#: The measures of ``entcli drift`` (its --measure), in output order; psi is the default.
DRIFT_MEASURES = ("psi", "kl", "reverse_kl", "js_divergence", "js_distance", "hellinger", "total_variation")
