"""hrmlib: HRM on MovieLens under RecBole's sequential protocol, small enough to read in one sitting.

from hrmlib import Config, prepare, fit
config = Config(high_order=3, learning_rate=0.0005)   # defaults = the protocol
data = prepare(config)                                 # ML-1M -> 816,350 training examples
result, model = fit(config, data)                      # result["test"]["ndcg@10"]
"""

from hrmlib.config import Config
from hrmlib.data import SeqData, Split, load_movies, load_ratings, prepare, synthetic_ratings
from hrmlib.metrics import metrics_from_ranks, target_ranks
from hrmlib.model import HRM, linear_cross_entropy
from hrmlib.sweep import best_trial, hyper_result, load_results, results_table, run_sweep
from hrmlib.train import evaluate, evaluate_popularity, fit, recommend

__all__ = [
    "HRM",
    "Config",
    "SeqData",
    "Split",
    "best_trial",
    "evaluate",
    "evaluate_popularity",
    "fit",
    "hyper_result",
    "linear_cross_entropy",
    "load_movies",
    "load_ratings",
    "load_results",
    "metrics_from_ranks",
    "prepare",
    "recommend",
    "results_table",
    "run_sweep",
    "synthetic_ratings",
    "target_ranks",
]
