"""Publication figures (matplotlib, object-oriented, 300 dpi on export)."""

from prrt.report.figures._common import png_bytes, svg_text, text_outside, text_overlaps
from prrt.report.figures._curves import numbers_at_risk
from prrt.report.figures.cuminc import cumulative_incidence_figure
from prrt.report.figures.dose import (
    HistogramPanel,
    LoessPanel,
    dose_boxplot_figure,
    dose_response_figure,
    histogram_panels,
    loess_panels,
    tcp_figure,
)
from prrt.report.figures.flow import flow_diagram
from prrt.report.figures.forest import forest_figure
from prrt.report.figures.km import km_figure
from prrt.report.figures.labs import platelet_trajectory_figure
from prrt.report.figures.swimmer import swimmer_figure
from prrt.report.figures.waterfall import waterfall_figure

__all__ = [
    "HistogramPanel",
    "LoessPanel",
    "cumulative_incidence_figure",
    "dose_boxplot_figure",
    "dose_response_figure",
    "flow_diagram",
    "forest_figure",
    "histogram_panels",
    "km_figure",
    "loess_panels",
    "numbers_at_risk",
    "platelet_trajectory_figure",
    "png_bytes",
    "svg_text",
    "swimmer_figure",
    "tcp_figure",
    "text_outside",
    "text_overlaps",
    "waterfall_figure",
]
