"""The command line: `python -m hrmlib {data,train,bench,sweep} ...`.

Every `Config` field is a flag (`--high-order 3`, `--learning-rate 0.0005`,
`--tie-order reversed`, ...). `sweep` takes one or more values per flag and
runs every combination; its defaults are the published grid.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from hrmlib.bench import bench, format_bench
from hrmlib.config import Config
from hrmlib.data import prepare
from hrmlib.sweep import PUBLISHED_GRID, hyper_result, results_table, run_sweep, save_result
from hrmlib.train import fit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hrmlib", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    data = commands.add_parser("data", help="print the dataset statistics as JSON")
    train = commands.add_parser("train", help="train one trial; its result is the last line, as JSON")
    train.add_argument("--out", help="also write the full result (with per-epoch history) to this JSON file")
    speed = commands.add_parser("bench", help="time training epochs and evaluation against the plain multiplies")
    sweep = commands.add_parser("sweep", help="run a grid of trials, one result file each, resuming")
    sweep.add_argument("--results-dir", default="results/sweep", help="where the trial files go (default: %(default)s)")
    for sub in (data, train, speed, sweep):
        sub.add_argument("--data-dir", help="the data directory (default: $HRMLIB_DATA_DIR, else data/)")
        sub.add_argument("--quiet", action="store_true", help="no progress bars")
        _add_config_flags(sub, many=sub is sweep)
    speed.set_defaults(epochs=2)
    args = parser.parse_args(argv)

    try:
        if args.command == "sweep":
            values = _config_values(args)
            topk = values.pop("topk")  # a list of cut-offs, not a grid axis
            grid = {name: v for name, v in values.items() if len(v) > 1}
            base = Config.from_dict({**{name: v[0] for name, v in values.items()}, "topk": topk})
            results = run_sweep(base, grid, args.results_dir, args.data_dir, progress=not args.quiet)
            print(hyper_result(results))
            print(results_table(results).to_string(index=False))
            return 0
        config = Config.from_dict(_config_values(args))
        if args.command == "data":
            print(json.dumps(prepare(config, args.data_dir).stats()))
        elif args.command == "train":
            result, _ = fit(config, root=args.data_dir, progress=not args.quiet)
            if args.out:
                save_result(result, args.out)
            print(json.dumps({k: v for k, v in result.items() if k != "history"}))
        else:
            report = bench(config, epochs=config.epochs, root=args.data_dir)
            print(format_bench(report))
            print(json.dumps(report))
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def _add_config_flags(parser: argparse.ArgumentParser, many: bool) -> None:
    defaults = {**dataclasses.asdict(Config()), **(PUBLISHED_GRID if many else {})}
    for field in dataclasses.fields(Config):
        default = defaults[field.name]
        kind = type(default[0] if isinstance(default, list | tuple) else default)
        plural = many or isinstance(default, tuple)
        parser.add_argument(
            "--" + field.name.replace("_", "-"),
            type=kind,
            nargs="+" if plural else None,
            default=[default] if many and not isinstance(default, list | tuple) else default,
            help=f"default: {default}",
        )


def _config_values(args: argparse.Namespace) -> dict:
    return {field.name: getattr(args, field.name) for field in dataclasses.fields(Config)}


if __name__ == "__main__":
    sys.exit(main())
