"""``python -m benchmarks``: the benchmark suite (benchmarks/run.py).

``python -m benchmarks peers [...]``: every public analysis beside its peer
(benchmarks/bench_peers.py, issue 28).
"""

import sys

if len(sys.argv) > 1 and sys.argv[1] == "peers":
    from benchmarks.bench_peers import main as peers

    peers(sys.argv[2:])
else:
    from benchmarks.run import main

    main()
