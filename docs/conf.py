"""Sphinx configuration for the journeymine documentation.

Build (warnings are errors, every reference must resolve)::

    sphinx-build -n -W --keep-going -b html docs docs/_build/html

The build works offline. Set ``JOURNEYMINE_DOCS_INTERSPHINX=1`` to link to the
Python, NumPy, pandas, networkx and matplotlib documentation through
intersphinx (this downloads their inventories). Without it, references to
those projects are rendered as plain names and listed in
``nitpick_ignore_regex`` so that the nitpicky build still passes.

Run a subset of the gallery with, e.g.,
``-D sphinx_gallery_conf.filename_pattern=plot_discover``, or none with
``-D plot_gallery=0``.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import journeymine

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # for local helpers, if any

# -- project ------------------------------------------------------------------
project = "journeymine"
author = "journeymine developers"
copyright = "2025, journeymine developers"  # noqa: A001
version = release = journeymine.__version__

# -- general ------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "sphinx_copybutton",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "gallery/*.ipynb", "gallery/*.py"]
root_doc = "index"
default_role = "py:obj"
nitpicky = True

# -- autodoc / autosummary ----------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"member-order": "bysource"}
# Types are described in the numpydoc "Parameters" sections; signatures stay short.
autodoc_typehints = "none"
autoclass_content = "class"

# -- numpydoc -------------------------------------------------------------------
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = True
# Link only the names listed here (and numpydoc's built-in Python/NumPy
# aliases); other words of a type description ("of", "optional", "mapping")
# stay plain text.
numpydoc_xref_ignore = "all"
numpydoc_xref_aliases = {
    # journeymine
    "JourneyLog": "journeymine.JourneyLog",
    "JourneyGraph": "journeymine.JourneyGraph",
    "JourneyModel": "journeymine.JourneyModel",
    "ConformanceReport": "journeymine.ConformanceReport",
    "JourneymineError": "journeymine.JourneymineError",
    "JourneymineWarning": "journeymine.JourneymineWarning",
    "LogError": "journeymine.LogError",
    "ModelError": "journeymine.ModelError",
    "ParameterError": "journeymine.ParameterError",
    "MissingDependencyError": "journeymine.MissingDependencyError",
    # pandas
    "DataFrame": "pandas.DataFrame",
    "pandas.DataFrame": "pandas.DataFrame",
    "pd.DataFrame": "pandas.DataFrame",
    "Series": "pandas.Series",
    "pandas.Series": "pandas.Series",
    "pandas.Index": "pandas.Index",
    "Timedelta": "pandas.Timedelta",
    "pandas.Timedelta": "pandas.Timedelta",
    "Timestamp": "pandas.Timestamp",
    "pandas.Timestamp": "pandas.Timestamp",
    # numpy
    "numpy.ndarray": "numpy.ndarray",
    "numpy.random.Generator": "numpy.random.Generator",
    "Generator": "numpy.random.Generator",
    # networkx, matplotlib
    "networkx.DiGraph": "networkx.DiGraph",
    "DiGraph": "networkx.DiGraph",
    "Axes": "matplotlib.axes.Axes",
    "matplotlib.axes.Axes": "matplotlib.axes.Axes",
    "Figure": "matplotlib.figure.Figure",
    "matplotlib.figure.Figure": "matplotlib.figure.Figure",
    # Python
    "path-like": ":term:`python:path-like object`",
    "pathlib.Path": "pathlib.Path",
}

# -- intersphinx (opt-in: the build machine may be offline) ---------------------
USE_INTERSPHINX = os.environ.get("JOURNEYMINE_DOCS_INTERSPHINX", "") == "1"
intersphinx_mapping = (
    {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "pandas": ("https://pandas.pydata.org/docs", None),
        "networkx": ("https://networkx.org/documentation/stable", None),
        "matplotlib": ("https://matplotlib.org/stable", None),
    }
    if USE_INTERSPHINX
    else {}
)

# Projects without an inventory we link to: always plain names.
nitpick_ignore_regex = [
    (r"py:.*", r"pm4py(\..*)?"),
    (r"py:.*", r"dask(\..*)?"),
    (r"py:.*", r"distributed(\..*)?"),
    (r"py:.*", r"yaml(\..*)?"),
]
if not USE_INTERSPHINX:
    # numpydoc links "str", "int", "bool", ... to the Python docs by default;
    # offline, show them as plain names instead of "python:str".
    from numpydoc.xref import DEFAULT_LINKS

    for _key in DEFAULT_LINKS:
        numpydoc_xref_aliases.setdefault(_key, {"boolean": "bool", "string": "str"}.get(_key, _key))
    numpydoc_xref_aliases["path-like"] = "path-like"
    _external = ["python", "numpy", "pandas", "networkx", "matplotlib"]
    nitpick_ignore_regex += (
        [
            # numpydoc's aliases and explicit references into other projects
            (r".*", rf"{name}:.*")
            for name in _external
        ]
        + [
            (r"py:.*", rf"{name}(\..*)?")
            for name in ("numpy", "pandas", "networkx", "matplotlib", "np", "pd", "nx")
        ]
        + [
            # the standard library
            (
                r"py:.*",
                r"(os|pathlib|json|datetime|typing|collections|io|gzip|zipfile|warnings)(\..*)?",
            ),
            (r"py:.*", r"(str|int|float|bool|bytes|list|tuple|dict|set|frozenset|object|type)"),
            (r"py:.*", r"(None|True|False|Ellipsis|NotImplemented)"),
            (r"py:.*", r"(Exception|ValueError|TypeError|ImportError|UserWarning|KeyError)"),
            (r"py:.*", r"(callable|iterable|sequence|generator|contextmanager|namedtuple)"),
            (r"py:.*", r"(array|ndarray|np\.ndarray|array-like|array_like|scalar|RandomState)"),
            (r"py:.*", r"(np\.random\.RandomState|np\.inf|np\.nan|path-like)"),
        ]
    )

# -- HTML -------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"journeymine {release}"
html_static_path: list[str] = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
}
html_context = {"default_mode": "light"}
html_show_sourcelink = False

# -- copybutton --------------------------------------------------------------------
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = False

# -- sphinx-gallery ----------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(HERE.parent / "examples"),
    "gallery_dirs": str(HERE / "gallery"),
    # Run every example (all are named plot_*.py); each takes seconds.
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "backreferences_dir": str(HERE / "api" / "generated" / "backreferences"),
    "doc_module": ("journeymine",),
    "reference_url": {"journeymine": None},
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    # a second, twice as sharp file of every figure: crisp on HiDPI screens, and the
    # full-size file each figure links to (see _link_gallery_image)
    "image_srcset": ["2x"],
    "show_memory": False,
    "min_reported_time": 1,
    # An example that raises fails the build: examples are part of the docs' tests.
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
}


# -- hooks -----------------------------------------------------------------------
def _hide_internal_signature(app, what, name, obj, options, signature, return_annotation):
    """Classes built by functions (JourneyLog, JourneyGraph, ...) show no constructor,
    and functions show no private keywords.

    Their dataclass constructors take private fields (``_frame``, ``_stats``);
    the docstring says which function builds them.
    """
    if what in ("class", "exception") and signature and re.search(r"[(,]\s*_\w", signature):
        return "", return_annotation
    if what == "function" and signature and re.search(r",\s*_\w", signature):
        # private keywords (``_source=``, ``_progress=``) are for the package itself
        return re.sub(r",\s*_\w+=[^,)]*", "", signature), return_annotation
    return None


def _link_gallery_image(self, node):
    """Draw a gallery figure as sphinx-gallery does, inside a link to its full-size file.

    The page shows a figure scaled to the column; a click opens the file itself
    (the sharpest of its srcset), where every label reads at full size, as the
    ``html_scaled_image_link`` of Sphinx does for ``.. image::`` with a width.
    """
    from sphinx_gallery.directives import visit_imgsg_html

    start = len(self.body)
    visit_imgsg_html(self, node)
    html_block = "".join(self.body[start:])
    srcset = re.search(r'srcset="([^"]*)"', html_block)
    src = re.search(r'src="([^"]*)"', html_block)
    if src is None:
        return
    target = src.group(1)
    if srcset is not None:  # "a.png, a_2_00x.png 2.00x": the last is the sharpest
        target = srcset.group(1).split(",")[-1].split()[0]
    self.body[start:] = [
        f'<a class="reference internal image-reference" href="{target}">{html_block}</a>'
    ]


def setup(app):
    app.connect("autodoc-process-signature", _hide_internal_signature)
    from sphinx_gallery.directives import depart_imgsg_html, imgsgnode

    app.add_node(imgsgnode, override=True, html=(_link_gallery_image, depart_imgsg_html))


# Keep pandas output narrow enough for the page.
os.environ.setdefault("COLUMNS", "100")
