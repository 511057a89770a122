"""
Discover the actual journey
===========================

Load the demo shop log, count its journeys and draw them.
"""

import journeymine as jm

log = jm.datasets.load_shop()
graph = jm.discover(log)
graph.edges.head()
