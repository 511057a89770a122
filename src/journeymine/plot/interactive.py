"""The journey map of the HTML report (stub)."""


def graph_map_html(*a, **k):
    raise NotImplementedError


def write_graph_map(*a, **k):
    raise NotImplementedError
